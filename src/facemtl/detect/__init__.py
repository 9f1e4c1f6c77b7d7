"""Face detection behind one small interface, so that other detectors can be added."""

from facemtl.detect.base import Detection, Detector, largest_face_box
from facemtl.detect.retinaface import RetinaFaceDetector

__all__ = ["Detection", "Detector", "RetinaFaceDetector", "create_detector", "largest_face_box"]


def create_detector(name: str = "retinaface", **kwargs: object) -> Detector:
    """Build a detector by name (only ``retinaface`` today)."""
    if name == "retinaface":
        return RetinaFaceDetector(**kwargs)  # type: ignore[arg-type]
    raise ValueError(f"unknown detector {name!r}; available: retinaface")

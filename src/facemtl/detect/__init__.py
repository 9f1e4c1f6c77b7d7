"""Face detection behind one small interface, so that other detectors can be added."""

from facemtl.detect.base import Detection, Detector, largest_face_box
from facemtl.detect.retinaface import RetinaFaceDetector

__all__ = ["Detection", "Detector", "RetinaFaceDetector", "largest_face_box"]

"""The image pipeline: reader -> detector -> cropper -> multi-task model -> Face results.

Each stage is swappable (pass your own ``detector`` or ``model``); the CLI and the video
pipeline build on this one class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facemtl.align.crop import crop_face
from facemtl.detect import Detection, Detector, RetinaFaceDetector
from facemtl.io.images import ImageLike, load_image
from facemtl.results.face import Face
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import DEFAULT_MODEL


class FaceAnalyzer:
    """Find faces and predict expression, valence/arousal, age, gender, ethnicity, embedding.

    >>> analyzer = FaceAnalyzer()                      # bundled model "accurate"
    >>> faces = analyzer.analyze("photo.jpg")          # path, RGB array or PIL image
    >>> faces[0].emotion, faces[0].age

    ``align=True`` warps each face onto a 5-point template instead of the tight box; the
    bundled model was trained on tight boxes (its card says ``"crop": "tight"``).
    ``max_side`` bounds the image side the detector sees (smaller is faster; faces below
    about ``min_face * longer_side / max_side`` pixels are then missed).
    """

    def __init__(self, model: str | Path | FaceModel = DEFAULT_MODEL,
                 detector: Detector | None = None, align: bool = False, min_face: int = 20,
                 threads: int = 0, max_side: int = 960) -> None:
        self.model = model if isinstance(model, FaceModel) else FaceModel.load(model, threads)
        self.detector = detector or RetinaFaceDetector(min_face=min_face, max_side=max_side,
                                                       threads=threads)
        self.align = align

    def analyze(self, image: ImageLike, channel_order: str = "rgb") -> list[Face]:
        """All faces in one image, largest first. Arrays are RGB unless ``channel_order="bgr"``
        (as from ``cv2.imread``); paths and PIL images are read in their own mode."""
        return self.analyze_array(load_image(image, channel_order=channel_order))

    def analyze_array(self, rgb: np.ndarray) -> list[Face]:
        """Like ``analyze`` for an RGB uint8 (H, W, 3) array already loaded."""
        detections = self.detector.detect(rgb)
        return self.describe([self.crop(rgb, d) for d in detections], detections)

    def crop(self, rgb: np.ndarray, detection: Detection) -> np.ndarray:
        """The model's view of one face: a tight box, or 5-point aligned with ``align``."""
        return crop_face(rgb, detection, align=self.align and bool(detection.landmarks),
                         size=self.model.input_size)

    def describe(self, crops: list[np.ndarray], detections: list[Detection]) -> list[Face]:
        """Run the model on face crops in one batch (they may come from many frames)."""
        if not crops:
            return []
        answers = self.model(crops)
        return [Face(box=d.box, score=d.score, landmarks=d.landmarks, **answer)
                for d, answer in zip(detections, answers, strict=True)]


def whole_image_detection(rgb: np.ndarray) -> Detection:
    """A "detection" covering the whole image, for inputs that are already face crops."""
    height, width = rgb.shape[:2]
    return Detection((0.0, 0.0, float(width), float(height)), 1.0, ())

"""The image pipeline: reader -> detector -> cropper -> multi-task model -> Face results.

Each stage is swappable (pass your own ``detector`` or ``model``); the CLI and the video
pipeline build on this one class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facemtl.align.crop import crop_face
from facemtl.detect import Detector, RetinaFaceDetector
from facemtl.io.images import ImageLike, load_image
from facemtl.results.face import Face
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import DEFAULT_MODEL


class FaceAnalyzer:
    """Find faces and predict expression, valence/arousal, age, gender, ethnicity, embedding.

    >>> analyzer = FaceAnalyzer()                      # bundled model "base"
    >>> faces = analyzer.analyze("photo.jpg")          # path, RGB array or PIL image
    >>> faces[0].emotion, faces[0].age

    ``align=True`` warps each face onto a 5-point template instead of the tight box; the
    bundled model was trained on tight boxes (its card says ``"crop": "tight"``).
    """

    def __init__(self, model: str | Path | FaceModel = DEFAULT_MODEL,
                 detector: Detector | None = None, align: bool = False, min_face: int = 20,
                 threads: int = 0) -> None:
        self.model = model if isinstance(model, FaceModel) else FaceModel.load(model, threads)
        self.detector = detector or RetinaFaceDetector(min_face=min_face, threads=threads)
        self.align = align

    def analyze(self, image: ImageLike, channel_order: str = "rgb") -> list[Face]:
        """All faces in one image, largest first. Arrays are RGB unless ``channel_order="bgr"``
        (as from ``cv2.imread``); paths and PIL images are read in their own mode."""
        return self.analyze_array(load_image(image, channel_order=channel_order))

    def analyze_array(self, rgb: np.ndarray) -> list[Face]:
        """Like ``analyze`` for an RGB uint8 (H, W, 3) array already loaded."""
        detections = self.detector.detect(rgb)
        if not detections:
            return []
        crops = [crop_face(rgb, d, align=self.align, size=self.model.input_size)
                 for d in detections]
        answers = self.model(crops)  # every face of the image in one batch
        return [Face(box=d.box, score=d.score, landmarks=d.landmarks, **answer)
                for d, answer in zip(detections, answers, strict=True)]

"""The image pipeline: reader -> detector -> cropper -> multi-task model -> ``ImageResult``.

Each stage is swappable (pass your own ``detector`` or ``model``); the CLI and the video
pipeline build on this one class.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from facemtl.align.crop import crop_face
from facemtl.box import Box
from facemtl.detect import Detection, Detector, RetinaFaceDetector
from facemtl.io.images import ImageLike, load_image
from facemtl.results.face import Face
from facemtl.results.image import ImageResult
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import DEFAULT_MODEL


class FaceAnalyzer:
    """Find faces and predict expression, valence/arousal, age, gender, ethnicity, embedding.

    >>> analyzer = FaceAnalyzer()                      # bundled model "accurate"
    >>> result = analyzer.analyze("photo.jpg")         # path, RGB array or PIL image
    >>> result[0].emotion, result[0].age, result.to_df()

    Faces are cropped as the model's card says (``input.crop``: the tight detector box, as
    paper 1 trains, or 5-point ``aligned``); ``align=True`` or ``False`` overrides the card.
    ``max_side`` bounds the image side the detector sees (smaller is faster; faces below
    about ``min_face * longer_side / max_side`` pixels are then missed). ``tau`` replaces the
    strength of the card's logit adjustment of the expression answer (``FaceModel``).
    """

    def __init__(self, model: str | Path | FaceModel = DEFAULT_MODEL,
                 detector: Detector | None = None, align: bool | None = None,
                 min_face: int = 20, threads: int = 0, max_side: int = 960,
                 tau: float | None = None) -> None:
        if isinstance(model, FaceModel) and tau is not None:
            raise ValueError("tau applies to a model loaded by name or card; for a FaceModel "
                             "already loaded, give it to FaceModel.load")
        self.model = model if isinstance(model, FaceModel) else FaceModel.load(model, threads,
                                                                               tau)
        self.detector = detector or RetinaFaceDetector(min_face=min_face, max_side=max_side,
                                                       threads=threads)
        self.align = self.model.card.input.crop == "aligned" if align is None else align

    def analyze(self, image: ImageLike, channel_order: str = "rgb") -> ImageResult:
        """All faces in one image, largest first. Arrays are RGB unless ``channel_order="bgr"``
        (as from ``cv2.imread``); paths and PIL images are read in their own mode."""
        path = str(image) if isinstance(image, str | Path) else None
        return self.analyze_array(load_image(image, channel_order=channel_order), path=path)

    def analyze_array(self, rgb: np.ndarray, path: str | None = None) -> ImageResult:
        """Like ``analyze`` for an RGB uint8 (H, W, 3) array already loaded; ``path`` is only
        recorded in the result (its rows' ``file``)."""
        started = time.perf_counter()
        detections = self.detector.detect(rgb)
        detected = time.perf_counter()
        faces = self.predict_faces([self.crop(rgb, d) for d in detections], detections)
        done = time.perf_counter()
        return ImageResult(tuple(faces), path=path, image_size=(rgb.shape[1], rgb.shape[0]),
                           timings={"detect_ms": round(1000 * (detected - started), 2),
                                    "model_ms": round(1000 * (done - detected), 2)},
                           image=rgb)

    def crop(self, rgb: np.ndarray, detection: Detection) -> np.ndarray:
        """The model's view of one face: a tight box, or 5-point aligned (see the class)."""
        return crop_face(rgb, detection, align=self.align and bool(detection.landmarks),
                         size=self.model.input_size)

    def predict_faces(self, crops: list[np.ndarray], detections: list[Detection]) -> list[Face]:
        """Run the model on face crops in one batch (they may come from many frames)."""
        if not crops:
            return []
        answers = self.model(crops)
        return [Face(box=d.box, score=d.score, landmarks=d.landmarks, **answer)
                for d, answer in zip(detections, answers, strict=True)]


def whole_image_detection(rgb: np.ndarray) -> Detection:
    """A "detection" covering the whole image, for inputs that are already face crops."""
    height, width = rgb.shape[:2]
    return Detection(Box(0.0, 0.0, float(width), float(height)), 1.0, ())

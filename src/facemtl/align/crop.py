"""Face crops. Paper 1 trains on faces cropped tightly by the detector, without margins,
so that is the default; 5-point alignment is an option. Both are deterministic.
"""

from __future__ import annotations

import cv2
import numpy as np

from facemtl.box import Box
from facemtl.detect.base import Detection

#: ArcFace's 5-point template for a 112 x 112 crop (eyes, nose tip, mouth corners).
_TEMPLATE_112 = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)


def tight_crop(image: np.ndarray, box: Box) -> np.ndarray:
    """The box's pixels, clipped to the image; at least one pixel each way."""
    height, width = image.shape[:2]
    x, y, w, h = Box(*box)
    x0 = int(np.clip(np.floor(x), 0, width - 1))
    y0 = int(np.clip(np.floor(y), 0, height - 1))
    x1 = int(np.clip(np.ceil(x + w), x0 + 1, width))
    y1 = int(np.clip(np.ceil(y + h), y0 + 1, height))
    return image[y0:y1, x0:x1]


def align_face(image: np.ndarray, landmarks: np.ndarray, size: int = 112) -> np.ndarray:
    """Warp the face so its 5 landmarks land on the ArcFace template, scaled to ``size``."""
    template = _TEMPLATE_112 * (size / 112.0)
    matrix, _ = cv2.estimateAffinePartial2D(
        np.asarray(landmarks, dtype=np.float32), template, method=cv2.LMEDS
    )
    if matrix is None:
        raise ValueError("landmarks are degenerate; cannot align")
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def crop_face(image: np.ndarray, detection: Detection, *, align: bool = False,
              size: int = 112) -> np.ndarray:
    """Crop one detected face, tight (default) or aligned."""
    if align:
        return align_face(image, np.array(detection.landmarks), size=size)
    return tight_crop(image, detection.box)

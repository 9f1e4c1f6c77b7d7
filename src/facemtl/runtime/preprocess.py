"""The one place where a face crop becomes network input.

Training arrays and the runtime both call ``resize_face``; normalisation (mean/std) lives
inside the exported network, so ``to_batch`` only lays pixels out as the card says.
"""

from __future__ import annotations

import cv2
import numpy as np


def resize_face(crop: np.ndarray, size: int) -> np.ndarray:
    """Resize an RGB crop to ``size`` x ``size`` (area filter down, bilinear up)."""
    height, width = crop.shape[:2]
    if height == width == size:
        return crop
    interpolation = cv2.INTER_AREA if min(height, width) > size else cv2.INTER_LINEAR
    return cv2.resize(crop, (size, size), interpolation=interpolation)


def to_batch(faces: list[np.ndarray], size: int, colour: str = "rgb") -> np.ndarray:
    """Stack crops into float32 (N, 3, size, size) pixels in 0..255, the card's input layout."""
    resized = [resize_face(face, size) for face in faces]
    batch = np.stack(resized).astype(np.float32)
    if colour == "grey":
        grey = batch @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        batch = np.repeat(grey[..., None], 3, axis=-1)
    elif colour != "rgb":
        raise ValueError(f"unknown colour mode {colour!r}")
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2))

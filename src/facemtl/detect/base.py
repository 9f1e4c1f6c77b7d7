"""The detector contract: an RGB image in, boxes with scores and 5 landmarks out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from facemtl.box import Box


@dataclass(frozen=True)
class Detection:
    """One face: its box and 5 landmarks (eyes, nose, mouth corners) in image pixels."""

    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...]

    @property
    def area(self) -> float:
        return self.box.area


class Detector(Protocol):
    """Anything that finds faces in an RGB ``uint8`` (H, W, 3) image."""

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Return the faces found, largest first."""
        ...


def largest_face_box(detector: Detector) -> Callable[[np.ndarray], Box | None]:
    """A function giving the largest face's tight box in an image, or None: how data set
    images are cropped for training and evaluation, so both match inference."""

    def box(image: np.ndarray) -> Box | None:
        found = detector.detect(image)
        return found[0].box if found else None

    return box

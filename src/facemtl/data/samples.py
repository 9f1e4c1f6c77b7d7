"""One labelled face image, with every label optional (masked when missing)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facemtl.labels import MISSING


@dataclass(frozen=True)
class Sample:
    """A face image and whatever labels its data set provides.

    ``expression`` is a distribution over the 8 classes (one-hot for hard labels, the vote
    shares for FER+ soft targets) or None. ``crop`` tells how to cut the face out:
    ``"full"`` (the file is already a face crop), ``"detect"`` (run the face detector) or
    ``"box"`` (the data set's own face box, ``box``).
    """

    path: Path
    expression: np.ndarray | None = None
    age: int = MISSING
    gender: int = MISSING
    ethnicity: int = MISSING
    valence: float = float("nan")
    arousal: float = float("nan")
    subject: str = ""
    box: tuple[float, float, float, float] | None = None  # x1, y1, x2, y2 for crop="box"
    identity: int = MISSING  # index of ``subject`` in an identity data set's person list
    crop: str = "full"

    @property
    def expression_label(self) -> int:
        """The majority class, or MISSING."""
        return MISSING if self.expression is None else int(np.argmax(self.expression))

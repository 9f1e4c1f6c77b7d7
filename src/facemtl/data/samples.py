"""One labelled face image, with every label optional (masked when missing)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from facemtl.box import Box
from facemtl.labels import MISSING
from facemtl.runtime.card import FRAMINGS

#: The one seed behind every split facemtl makes itself (UTKFace's lists, class folders'
#: hold-out, identity hold-outs), so splits reproduce and never shift between modules.
SPLIT_SEED = 20261123


@dataclass(frozen=True)
class Sample:
    """A face image and whatever labels its data set provides.

    ``expression`` is a distribution over the 8 classes (one-hot for hard labels, the vote
    shares for FER+ soft targets) or None. ``crop`` tells how to cut the face out:
    ``"full"`` (the file is already a face crop), ``"detect"`` (run the face detector),
    ``"redetect"`` (the file is a data set's face crop, and the detector finds the face in it
    again, so the crop is framed as ``analyze`` frames a photo) or ``"box"`` (the data set's
    own face box, ``box``).
    """

    path: Path
    expression: np.ndarray | None = None
    age: int = MISSING
    gender: int = MISSING
    ethnicity: int = MISSING
    valence: float = float("nan")
    arousal: float = float("nan")
    subject: str = ""
    box: Box | None = None  # the data set's face box, for crop="box"
    identity: int = MISSING  # index of ``subject`` in an identity data set's person list
    crop: str = "full"

    @property
    def expression_label(self) -> int:
        """The majority class, or MISSING."""
        return MISSING if self.expression is None else int(np.argmax(self.expression))


def framed(samples: list[Sample], framing: str) -> list[Sample]:
    """``samples`` with ready crops (``full``) re-detected when ``framing`` is ``detector``
    (``FRAMINGS``: see ``facemtl.runtime.card.InputSpec``)."""
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; choose from {', '.join(FRAMINGS)}")
    if framing == "dataset":
        return samples
    return [replace(s, crop="redetect") if s.crop == "full" else s for s in samples]

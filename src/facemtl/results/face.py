"""One analysed face. Frozen, so results can be shared and cached without surprises."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from facemtl.box import Box

#: Keys of a result row (after ``file`` and ``face``), in output order.
FIELDS: tuple[str, ...] = (
    "box", "score", "landmarks", "emotion", "emotion_probs", "valence", "arousal", "age",
    "gender", "gender_prob", "ethnicity", "ethnicity_probs",
)


@dataclass(frozen=True, eq=False)
class Face:
    """A detected face and what the model says about it.

    ``box`` is a ``Box`` (x, y, w, h) and ``landmarks`` 5 (x, y) points (eyes, nose, mouth
    corners), in pixels of the original image. ``gender_prob`` is the probability of the
    reported gender. Fields of heads the model card marks untrained are None.

    Equality is by value (the embedding compared element-wise), so two runs over the same
    image compare equal; the hash uses the box, score and labels, so faces can be set
    members and cache keys.
    """

    box: Box
    score: float
    landmarks: tuple[tuple[float, float], ...]
    emotion: str | None = None
    emotion_probs: dict[str, float] | None = None
    valence: float | None = None
    arousal: float | None = None
    age: float | None = None
    gender: str | None = None
    gender_prob: float | None = None
    ethnicity: str | None = None
    ethnicity_probs: dict[str, float] | None = None
    embedding: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.box, Box):
            object.__setattr__(self, "box", Box(*(float(v) for v in self.box)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Face):
            return NotImplemented
        for field in fields(self):
            mine, theirs = getattr(self, field.name), getattr(other, field.name)
            if isinstance(mine, np.ndarray) or isinstance(theirs, np.ndarray):
                if mine is None or theirs is None or not np.array_equal(mine, theirs):
                    return False
            elif mine != theirs:
                return False
        return True

    def __hash__(self) -> int:
        return hash((self.box, self.score, self.emotion, self.age, self.gender, self.ethnicity))

    def to_dict(self, embedding: bool = False, digits: int = 4) -> dict[str, Any]:
        """Plain JSON-ready values; ``embedding=True`` adds the L2-normalised embedding."""

        def r(value: float | None) -> float | None:
            return None if value is None else round(float(value), digits)

        def probs(values: dict[str, float] | None) -> dict[str, float] | None:
            return None if values is None else {k: r(v) for k, v in values.items()}

        out: dict[str, Any] = {
            "box": self.box.rounded(),
            "score": r(self.score),
            "landmarks": [[round(float(x), 1), round(float(y), 1)] for x, y in self.landmarks],
            "emotion": self.emotion,
            "emotion_probs": probs(self.emotion_probs),
            "valence": r(self.valence),
            "arousal": r(self.arousal),
            "age": None if self.age is None else round(float(self.age), 1),
            "gender": self.gender,
            "gender_prob": r(self.gender_prob),
            "ethnicity": self.ethnicity,
            "ethnicity_probs": probs(self.ethnicity_probs),
        }
        if embedding:
            out["embedding"] = None if self.embedding is None else [
                round(float(v), 6) for v in self.embedding]
        return out

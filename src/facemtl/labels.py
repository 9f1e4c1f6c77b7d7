"""Label vocabularies shared by the data readers, the trainer and the model card.

The runtime never imports these to interpret a model: it reads the label names from the
card that export wrote. They live here so that training writes one consistent vocabulary.
"""

from __future__ import annotations

#: Expression classes, in the order of paper 1 / AffectNet (alphabetical, 8 classes).
EMOTIONS: tuple[str, ...] = (
    "anger",
    "contempt",
    "disgust",
    "fear",
    "happiness",
    "neutral",
    "sadness",
    "surprise",
)

#: UTKFace gender codes: 0 = male, 1 = female. The gender head predicts P(female).
GENDERS: tuple[str, ...] = ("male", "female")

#: UTKFace race codes 0..4.
ETHNICITIES: tuple[str, ...] = ("white", "black", "asian", "indian", "other")

#: Age is classified into one-year bins 0..99; ages of 100 and above fall into the last bin.
AGE_BINS: int = 100

#: Value used in integer label arrays where a sample carries no label for a head.
MISSING: int = -1

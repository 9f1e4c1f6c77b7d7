"""FER+ (microsoft/FERPlus layout): FER2013 48x48 grey images with 10 crowd votes each.

``label.csv`` rows: image name, face box, then votes for neutral, happiness, surprise,
sadness, anger, disgust, fear, contempt, unknown, NF (not a face).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from facemtl.data.samples import Sample
from facemtl.labels import EMOTIONS

#: FER+ vote columns in file order.
FERPLUS_COLUMNS = ("neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear",
                   "contempt", "unknown", "NF")
_SPLIT_FOLDERS = {"train": "FER2013Train", "valid": "FER2013Valid", "test": "FER2013Test"}
#: For each of our EMOTIONS, its column in the FER+ votes.
_TO_OURS = [FERPLUS_COLUMNS.index(name) for name in EMOTIONS]


def parse_votes(votes: list[int], mode: str = "majority") -> np.ndarray | None:
    """Turn 10 vote counts into an 8-class target, or None if the image is to be dropped.

    The image is dropped when its most-voted column (first on ties, in file order) is
    ``unknown`` or ``NF``, or when no emotion got a vote (FER+ majority protocol).
    ``majority`` gives a one-hot of the most-voted emotion (ties: first in our order);
    ``soft`` gives the vote shares over the 8 emotions.
    """
    counts = np.asarray(votes, dtype=np.float32)
    if counts.shape != (10,):
        raise ValueError(f"expected 10 vote counts, got {len(votes)}")
    if int(np.argmax(counts)) >= 8:
        return None
    emotions = counts[_TO_OURS]
    total = emotions.sum()
    if total <= 0:
        return None
    if mode == "soft":
        return emotions / total
    if mode == "majority":
        target = np.zeros(len(EMOTIONS), dtype=np.float32)
        target[int(np.argmax(emotions))] = 1.0
        return target
    raise ValueError(f"unknown FER+ label mode {mode!r}: use 'majority' or 'soft'")


def read_ferplus(root: str | Path, split: str = "train", mode: str = "majority") -> list[Sample]:
    """Samples of one FER+ split (``train``, ``valid`` or ``test``)."""
    if split not in _SPLIT_FOLDERS:
        raise ValueError(f"FER+ split must be one of {sorted(_SPLIT_FOLDERS)}, not {split!r}")
    folder = Path(root) / _SPLIT_FOLDERS[split]
    label_file = folder / "label.csv"
    if not label_file.is_file():
        raise FileNotFoundError(f"{label_file}: FER+ label file not found (is --data the "
                                "folder that holds FER2013Train/Valid/Test?)")
    samples = []
    with label_file.open(newline="") as handle:
        for row in csv.reader(handle):
            if len(row) < 12:
                continue
            target = parse_votes([int(v) for v in row[2:12]], mode=mode)
            if target is None:
                continue
            samples.append(Sample(path=folder / row[0], expression=target))
    return samples

"""AffectNet (Mollahosseini et al. 2017) from its CSV file lists, for expression and
valence/arousal training (paper 1's fine-tuning data).

CSV columns: ``subDirectory_filePath, face_x, face_y, face_width, face_height,
facial_landmarks, expression, valence, arousal``. Expression codes: 0 neutral, 1 happiness,
2 sadness, 3 surprise, 4 fear, 5 disgust, 6 anger, 7 contempt, 8 none, 9 uncertain,
10 non-face. Codes 8 and 9 keep their valence/arousal but carry no expression label; non-faces
are dropped. Valence/arousal are in [-1, 1]; -2 marks "not annotated" (masked).

Layout: ``ROOT/training.csv`` and ``ROOT/validation.csv`` (or the same names under
``ROOT/Manually_Annotated_file_lists/``), image paths relative to
``ROOT/Manually_Annotated_Images/`` (or to ``ROOT``). AffectNet's own validation set is what
papers report on, so the ``valid`` split is it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from facemtl.box import Box
from facemtl.data.samples import Sample
from facemtl.labels import EMOTIONS

#: AffectNet expression code -> our expression name (codes 8-10 have none).
AFFECTNET_CODES = ("neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger",
                   "contempt")
NON_FACE = 10
SPLIT_FILES = {"train": "training.csv", "valid": "validation.csv"}
COLUMNS = ("subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
           "expression", "valence", "arousal")


def _find(root: Path, name: str) -> Path:
    for candidate in (root / name, root / "Manually_Annotated_file_lists" / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{root}: no {name} (nor Manually_Annotated_file_lists/{name})")


def _annotation(value: str) -> float:
    number = float(value)
    return number if -1.0 <= number <= 1.0 else float("nan")


def read_affectnet(root: str | Path, split: str = "train") -> list[Sample]:
    """Samples of one split; each crop is the CSV's face box (``crop="box"``)."""
    if split not in SPLIT_FILES:
        raise ValueError(f"AffectNet has splits {', '.join(SPLIT_FILES)}, not {split!r}")
    root = Path(root)
    csv_path = _find(root, SPLIT_FILES[split])
    image_root = root / "Manually_Annotated_Images"
    image_root = image_root if image_root.is_dir() else root
    samples = []
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = set(COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{csv_path}: missing columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                code = int(row["expression"])
                box = tuple(float(row[k]) for k in ("face_x", "face_y", "face_width",
                                                     "face_height"))
                valence, arousal = _annotation(row["valence"]), _annotation(row["arousal"])
            except (TypeError, ValueError) as error:
                raise ValueError(f"{csv_path}:{line}: bad row ({error})") from None
            if code == NON_FACE:
                continue
            expression = None
            if 0 <= code < len(AFFECTNET_CODES):
                expression = np.zeros(len(EMOTIONS), np.float32)
                expression[EMOTIONS.index(AFFECTNET_CODES[code])] = 1.0
            samples.append(Sample(path=image_root / row["subDirectory_filePath"],
                                  expression=expression, valence=valence, arousal=arousal,
                                  crop="box", box=Box(*box)))
    return samples

"""UTKFace (Aligned&Cropped): labels from file names ``AGE_GENDER_RACE_DATE.jpg.chip.jpg``.

There is no official split; ours is seeded and written into ``facemtl/data/splits`` so that
anyone reproduces the numbers. Three files lack the race field: their ethnicity is masked.
"""

from __future__ import annotations

import random
from pathlib import Path

from facemtl.data.samples import SPLIT_SEED, Sample
from facemtl.labels import MISSING

SPLIT_DIR = Path(__file__).parent / "splits"
SPLIT_FRACTIONS = {"train": 0.7, "valid": 0.1, "test": 0.2}


def parse_utkface_name(name: str) -> tuple[int, int, int] | None:
    """(age, gender, ethnicity) from a file name, MISSING for an absent field; None if unusable."""
    parts = name.split("_")
    try:
        age = int(parts[0])
        gender = int(parts[1])
    except (IndexError, ValueError):
        return None
    ethnicity = MISSING
    if len(parts) >= 4:
        try:
            ethnicity = int(parts[2])
        except ValueError:
            ethnicity = MISSING
    if gender not in (0, 1):
        gender = MISSING
    if ethnicity not in range(5):
        ethnicity = MISSING
    return age, gender, ethnicity


def _image_folder(root: Path) -> Path:
    nested = root / "UTKFace"
    return nested if nested.is_dir() else root


def write_utkface_split(root: str | Path, out_dir: str | Path = SPLIT_DIR,
                        seed: int = SPLIT_SEED) -> dict[str, int]:
    """Shuffle the file names with ``seed`` and write train/valid/test lists (70/10/20)."""
    names = sorted(p.name for p in _image_folder(Path(root)).glob("*.jpg"))
    random.Random(seed).shuffle(names)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts, start = {}, 0
    for index, (split, fraction) in enumerate(SPLIT_FRACTIONS.items()):
        end = len(names) if index == len(SPLIT_FRACTIONS) - 1 else start + round(fraction * len(names))
        chunk = sorted(names[start:end])
        (out_dir / f"utkface_{split}.txt").write_text("\n".join(chunk) + "\n")
        counts[split] = len(chunk)
        start = end
    return counts


def read_utkface(root: str | Path, split: str = "train", split_dir: str | Path = SPLIT_DIR
                 ) -> list[Sample]:
    """Samples of one split of the repository's UTKFace file lists."""
    list_file = Path(split_dir) / f"utkface_{split}.txt"
    if not list_file.is_file():
        raise FileNotFoundError(f"{list_file}: no UTKFace split list '{split}'")
    folder = _image_folder(Path(root))
    samples = []
    for name in list_file.read_text().splitlines():
        if not name:
            continue
        labels = parse_utkface_name(name)
        if labels is None:
            continue
        age, gender, ethnicity = labels
        samples.append(Sample(path=folder / name, age=age, gender=gender, ethnicity=ethnicity,
                              crop="detect"))
    return samples

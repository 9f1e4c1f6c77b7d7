"""CK+48: ``<class>/S<subject>_<sequence>_<frame>.png``, 48x48 grey, 7 posed expressions."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from facemtl.data.samples import SPLIT_SEED, Sample
from facemtl.labels import EMOTIONS

#: CK+48 folder names mapped onto our expression names.
CKPLUS_FOLDERS = {"anger": "anger", "contempt": "contempt", "disgust": "disgust", "fear": "fear",
                  "happy": "happiness", "sadness": "sadness", "surprise": "surprise"}


def read_ckplus(root: str | Path, split: str = "all") -> list[Sample]:
    """CK+48 images, labelled one-hot; ``subject`` is ``S###`` for subject-wise folds.
    ``split``: ``all``, or the ``valid`` / ``test`` half of the subjects
    (``splits/ckplus_halves.txt``), for cross-data-set validation and test."""
    if split not in ("all", "valid", "test"):
        raise ValueError(f"CK+48 split must be all, valid or test, not {split!r}")
    halves = ckplus_halves() if split != "all" else None
    root = Path(root)
    samples = []
    for folder, emotion in sorted(CKPLUS_FOLDERS.items()):
        directory = root / folder
        if not directory.is_dir():
            raise FileNotFoundError(f"{directory}: CK+48 class folder not found")
        target = np.zeros(len(EMOTIONS), dtype=np.float32)
        target[EMOTIONS.index(emotion)] = 1.0
        for path in sorted(directory.glob("*.png")):
            subject = path.name.split("_")[0]
            if halves is None or halves.get(subject) == split:
                samples.append(Sample(path=path, expression=target, subject=subject))
    return samples


#: Subject-independent folds for CK+48 cross-validation (FERSNet's 10-fold protocol),
#: written once by ``write_ckplus_folds`` so that anyone re-runs the same folds.
FOLDS_FILE = Path(__file__).parent / "splits" / "ckplus_folds.txt"


def write_ckplus_folds(root: str | Path, folds: int = 10, seed: int = SPLIT_SEED,
                       out: str | Path = FOLDS_FILE) -> dict[str, int]:
    """Shuffle the subjects with ``seed`` and deal them round-robin into ``folds`` folds;
    writes ``SUBJECT FOLD`` lines and returns the mapping. A subject's frames are all in one
    fold, so no test face's person was seen in training."""
    subjects = sorted({s.subject for s in read_ckplus(root)})
    random.Random(seed).shuffle(subjects)
    mapping = {subject: index % folds for index, subject in enumerate(subjects)}
    Path(out).write_text("".join(f"{s} {f}\n" for s, f in sorted(mapping.items())))
    return mapping


def ckplus_folds(path: str | Path = FOLDS_FILE) -> dict[str, int]:
    """Subject -> fold index, as written to the repository."""
    mapping = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            subject, fold = line.split()
            mapping[subject] = int(fold)
    return mapping


#: CK+48's subjects in two halves: ``valid`` (folds 0-4 of ``ckplus_folds.txt``, 60 subjects)
#: may guide choices about models trained elsewhere; ``test`` (folds 5-9, 58 subjects) is
#: the cross-data-set figure nothing is chosen on.
HALVES_FILE = Path(__file__).parent / "splits" / "ckplus_halves.txt"


def write_ckplus_halves(out: str | Path = HALVES_FILE) -> dict[str, str]:
    """Derive the halves from the seeded folds and write ``SUBJECT HALF`` lines."""
    mapping = {subject: "valid" if fold < 5 else "test"
               for subject, fold in ckplus_folds().items()}
    Path(out).write_text("".join(f"{s} {h}\n" for s, h in sorted(mapping.items())))
    return mapping


def ckplus_halves(path: str | Path = HALVES_FILE) -> dict[str, str]:
    """Subject -> ``valid`` or ``test``, as written to the repository."""
    return dict(line.split() for line in Path(path).read_text().splitlines() if line.strip())

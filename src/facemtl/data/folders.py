"""Folder-per-label data: ``CLASS/image.jpg`` for a user's own expression classes (fine-tuning)
and ``PERSON/image.jpg`` for identities (VGGFace2's layout; ORL's ``s1/1.pgm``).

Neither layout has an official split. Class folders hold out a seeded, stratified share of
images (``split_index``); identities hold out whole people for testing and whole recordings
for validation (``read_identities``). Files are sorted first, so the splits reproduce.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from facemtl.data.samples import SPLIT_SEED, Sample
from facemtl.io.discover import IMAGE_EXTENSIONS

#: CK+48 file names ``S005_001_00000011.png``: the subject is the identity.
CKPLUS_NAME = re.compile(r"^(S\d+)_\d+_\d+$")


def label_folders(root: str | Path) -> dict[str, list[Path]]:
    """Sub-folder name -> its image files (sorted); folders without images are skipped."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: data folder not found")
    folders = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        images = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
        if images:
            folders[folder.name] = images
    if not folders:
        raise FileNotFoundError(f"{root}: no sub-folders with images (expected LABEL/image.jpg)")
    return folders


def class_names(root: str | Path) -> list[str]:
    """The label set of a class-folder data set: its sub-folder names, sorted."""
    return list(label_folders(root))


def split_index(labels: np.ndarray, split: str, valid_share: float = 0.2,
                seed: int = SPLIT_SEED) -> np.ndarray:
    """Indices of ``split`` ("train", "valid" or "all"): a seeded stratified hold-out."""
    if split == "all":
        return np.arange(len(labels))
    if split not in ("train", "valid"):
        raise ValueError(f"folder data sets have splits train, valid, all; not {split!r}")
    rng = np.random.default_rng(seed)
    valid = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        valid.extend(members[:int(round(len(members) * valid_share))])
    chosen = np.zeros(len(labels), bool)
    chosen[valid] = True
    return np.flatnonzero(chosen if split == "valid" else ~chosen)


def read_class_folders(root: str | Path, split: str = "train", crop: str = "detect"
                       ) -> list[Sample]:
    """Expression samples of ``CLASS/image`` folders, one-hot over ``class_names(root)``.

    ``crop="detect"`` finds the face in each photo (as the runtime does); ``"full"`` takes
    images that are face crops already.
    """
    folders = label_folders(root)
    samples, labels = [], []
    for index, (_, paths) in enumerate(folders.items()):
        target = np.zeros(len(folders), np.float32)
        target[index] = 1.0
        samples.extend(Sample(path=p, expression=target, crop=crop) for p in paths)
        labels.extend([index] * len(paths))
    return [samples[i] for i in split_index(np.array(labels), split)]


def read_identities(root: str | Path, split: str = "all", crop: str | None = None,
                    holdout_share: float = 0.2, valid_share: float = 0.1) -> list[Sample]:
    """Identity-labelled samples: ``PERSON/image`` folders, or CK+48's class folders whose
    file names carry the subject (``S005_001_…``).

    Splits: ``test`` is a seeded ``holdout_share`` of the *people*, never trained on (for
    verification); the others' recordings are split per person, ``valid_share`` of each
    person's recordings (at least one, if the person has two) to ``valid`` (paper 1 split
    VGGFace2 90/10 per person) and the rest to ``train``; ``all`` is everything. A
    recording is a CK+ sequence, or one photo. ``identity`` indexes the people of the split's side
    (train/valid share one index), ``subject`` keeps the name. ``crop`` defaults to "full"
    for CK+48 (already face crops) and "detect" for photos (as the runtime crops them).
    """
    folders = label_folders(root)
    samples = []
    for name, paths in folders.items():
        for path in paths:
            match = CKPLUS_NAME.match(path.stem)
            samples.append(Sample(path=path, subject=match.group(1) if match else name,
                                  crop=crop or ("full" if match else "detect")))
    samples.sort(key=lambda s: (s.subject, str(s.path)))
    people = sorted({s.subject for s in samples})
    if split == "all":
        chosen, indexed = samples, people
    else:
        rng = np.random.default_rng(SPLIT_SEED)
        held = set(rng.permutation(people)[:int(round(len(people) * holdout_share))])
        kept = [s for s in samples if s.subject not in held]
        if split == "test":
            chosen, indexed = [s for s in samples if s.subject in held], sorted(held)
        elif split in ("train", "valid"):
            held_back = _held_back_recordings(kept, valid_share)
            chosen = [s for s in kept if (recording_of(s.path) in held_back) == (split == "valid")]
            indexed = [p for p in people if p not in held]
        else:
            raise ValueError(f"identity data has splits train, valid, test, all; not {split!r}")
    index = {person: i for i, person in enumerate(indexed)}
    return [replace(s, identity=index[s.subject]) for s in chosen]


def _held_back_recordings(samples: list[Sample], share: float) -> set[str]:
    """Per person with two or more recordings, a seeded ``share`` of them (at least one)
    for validation: frames of one CK+ sequence are near-duplicates, so they stay together."""
    recordings: dict[str, list[str]] = {}
    for sample in samples:
        group = recordings.setdefault(sample.subject, [])
        if (name := recording_of(sample.path)) not in group:
            group.append(name)
    rng = np.random.default_rng(SPLIT_SEED)
    held = set()
    for person in sorted(recordings):
        names = sorted(recordings[person])
        if len(names) >= 2:
            held.update(rng.permutation(names)[:max(1, int(round(len(names) * share)))])
    return held


def recording_of(path: str | Path) -> str:
    """The recording an image belongs to: a CK+ sequence (``S005_001``), else the file."""
    stem = Path(path).stem
    return stem.rsplit("_", 1)[0] if CKPLUS_NAME.match(stem) else str(path)

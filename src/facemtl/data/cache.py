"""Named data set splits -> cached ``FaceArrays`` (built once, then loaded from disk)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from facemtl.data.affectnet import read_affectnet
from facemtl.data.arrays import FaceArrays, build_arrays
from facemtl.data.ckplus import read_ckplus
from facemtl.data.ferplus import read_ferplus
from facemtl.data.folders import read_class_folders, read_identities
from facemtl.data.samples import Sample
from facemtl.data.utkface import read_utkface

DATASETS = ("ferplus", "utkface", "ckplus", "affectnet", "folder", "identity")
#: Resolution the crops of each data set are cached at (FER+ and CK+48 are 48 px originals).
NATIVE_SIZE = {"ferplus": 48, "ckplus": 48, "utkface": 96, "affectnet": 128, "folder": 128,
               "identity": 128}
#: Data sets whose folder is the user's: the cache name carries a hash of the folder path.
USER_FOLDERS = ("affectnet", "folder", "identity")


def read_samples(dataset: str, data_dir: str | Path, split: str, ferplus_mode: str = "majority",
                 folder_crop: str = "detect") -> list[Sample]:
    """Labelled samples of a named data set split.

    ``folder`` is a user's ``CLASS/image`` folder (``folder_crop``: detect faces, or "full"
    for ready crops); ``identity`` a ``PERSON/image`` folder (or CK+48, by subject)."""
    if dataset == "ferplus":
        return read_ferplus(data_dir, split, mode=ferplus_mode)
    if dataset == "utkface":
        return read_utkface(data_dir, split)
    if dataset == "ckplus":
        return read_ckplus(data_dir)
    if dataset == "affectnet":
        return read_affectnet(data_dir, split)
    if dataset == "folder":
        return read_class_folders(data_dir, split, crop=folder_crop)
    if dataset == "identity":
        return read_identities(data_dir, split)
    raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(DATASETS)}")


def cached_arrays(dataset: str, data_dir: str | Path, split: str, cache_dir: str | Path,
                  ferplus_mode: str = "majority", limit: int | None = None,
                  progress: bool = True, folder_crop: str = "detect") -> FaceArrays:
    """Crops of one split at the data set's native cache size, built on first use.

    ``limit`` keeps the first N samples (for smoke tests); it is part of the cache name.
    """
    size = NATIVE_SIZE[dataset]
    tag = f"{dataset}_{split}_{ferplus_mode if dataset == 'ferplus' else 'labels'}_{size}"
    samples = None
    if dataset in USER_FOLDERS:  # a user's folder may change: key the cache on its contents
        samples = read_samples(dataset, data_dir, split, ferplus_mode, folder_crop)
        key = "|".join([folder_crop, *(f"{s.path.resolve()}:{s.expression_label}:{s.identity}"
                                       for s in samples)])
        tag += "_" + hashlib.sha256(key.encode()).hexdigest()[:12]
    if limit:
        tag += f"_first{limit}"
    path = Path(cache_dir) / f"{tag}.npz"
    if path.exists():
        return FaceArrays.load(path)
    if samples is None:
        samples = read_samples(dataset, data_dir, split, ferplus_mode, folder_crop)
    samples = samples[:limit] if limit else samples
    arrays = build_arrays(samples, size, detect=dataset_face_finder(samples), progress=progress)
    arrays.save(path)
    return arrays


def dataset_face_finder(samples: list[Sample], threads: int = 0):
    """The largest-face box finder for samples that need detection (None if none do).

    ``min_face`` is lowered to 10 px: data set images are single faces, some small."""
    if not any(s.crop == "detect" for s in samples):
        return None
    from facemtl.detect import RetinaFaceDetector, largest_face_box

    return largest_face_box(RetinaFaceDetector(min_face=10, threads=threads))

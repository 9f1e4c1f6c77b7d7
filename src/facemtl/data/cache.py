"""Named data set splits -> cached ``FaceArrays`` (built once, then loaded from disk)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from facemtl.data.arrays import DETECTED, FaceArrays, build_arrays
from facemtl.data.registry import get_dataset
from facemtl.data.samples import Sample, framed


def read_samples(dataset: str, data_dir: str | Path, split: str, ferplus_mode: str = "majority",
                 folder_crop: str = "detect", framing: str = "dataset") -> list[Sample]:
    """Labelled samples of a named data set split (see ``facemtl.data.registry``), framed
    per ``framing`` (``facemtl.data.samples.FRAMINGS``)."""
    return framed(get_dataset(dataset).read(data_dir, split, ferplus_mode, folder_crop), framing)


def cache_name(dataset: str, data_dir: str | Path, split: str, ferplus_mode: str = "majority",
               limit: int | None = None, folder_crop: str = "detect",
               samples: list[Sample] | None = None, framing: str = "dataset",
               size: int | None = None) -> str:
    """The cache file's name: data set, split, label mode, size (``size``, default the data
    set's native one), and a hash of the data folder's resolved path (another folder never
    reuses these crops); for a user's folder the hash also covers its files and labels, since
    those may change under the same path. ``limit`` keeps the first N samples (smoke tests)
    and is part of the name, as is a ``detector`` framing."""
    spec = get_dataset(dataset)
    mode = ferplus_mode if dataset == "ferplus" else "labels"
    key = [str(Path(data_dir).resolve())]
    if samples is not None:
        key += [folder_crop, *(f"{s.path.resolve()}:{s.expression_label}:{s.identity}"
                               for s in samples)]
    digest = hashlib.sha256("|".join(key).encode()).hexdigest()[:12]
    tag = f"{dataset}_{split}_{mode}_{size or spec.native_size}_{digest}"
    tag += "_detector" if framing == "detector" else ""
    return tag + (f"_first{limit}" if limit else "")


def cached_arrays(dataset: str, data_dir: str | Path, split: str, cache_dir: str | Path,
                  ferplus_mode: str = "majority", limit: int | None = None,
                  progress: bool = True, folder_crop: str = "detect",
                  framing: str = "dataset", size: int | None = None) -> FaceArrays:
    """Crops of one split, cut at ``size`` (default: the data set's native cache size),
    built on first use."""
    spec = get_dataset(dataset)
    samples = None
    if spec.user_folder:  # a user's folder may change: key the cache on its contents
        samples = read_samples(dataset, data_dir, split, ferplus_mode, folder_crop, framing)
    path = Path(cache_dir) / (cache_name(dataset, data_dir, split, ferplus_mode, limit,
                                         folder_crop, samples, framing, size) + ".npz")
    if path.exists():
        return FaceArrays.load(path)
    if samples is None:
        samples = read_samples(dataset, data_dir, split, ferplus_mode, folder_crop, framing)
    samples = samples[:limit] if limit else samples
    arrays = build_arrays(samples, size or spec.native_size,
                          detect=dataset_face_finder(samples), progress=progress)
    arrays.save(path)
    # Read back what was stored (JPEG): the first run then sees the very pixels every later
    # or resumed run loads, so anything keyed on them (a teacher's targets) stays valid.
    return FaceArrays.load(path)


def dataset_face_finder(samples: list[Sample], threads: int = 0):
    """The largest-face box finder for samples that need detection (None if none do).

    ``min_face`` is lowered to 10 px: data set images are single faces, some small."""
    if not any(s.crop in DETECTED for s in samples):
        return None
    from facemtl.detect import RetinaFaceDetector, largest_face_box

    return largest_face_box(RetinaFaceDetector(min_face=10, threads=threads))

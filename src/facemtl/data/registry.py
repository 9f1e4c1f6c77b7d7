"""Every data set facemtl reads, declared once: its reader, its splits, the split training
validates on, the split ``evaluate`` uses by default, the size its crops are cached at, and
the sentence a model card says about it.

Training, evaluation, the crop cache and export all look data sets up here, so adding one
(say AffectNet's successor) is one entry, not a name list in four modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from facemtl.data.affectnet import read_affectnet
from facemtl.data.ckplus import read_ckplus
from facemtl.data.ferplus import read_ferplus
from facemtl.data.folders import read_class_folders, read_identities
from facemtl.data.samples import SPLIT_SEED, Sample
from facemtl.data.utkface import read_utkface
from facemtl.errors import FacemtlError

#: ``reader(folder, split, ferplus_mode, folder_crop)`` -> samples.
Reader = Callable[[str | Path, str, str, str], list[Sample]]


@dataclass(frozen=True)
class DatasetSpec:
    """One data set. ``valid_split`` is None for data sets that only evaluate (CK+48).
    ``user_folder``: the folder is the user's and may change, so cached crops are keyed on
    its file list, not only on its path."""

    name: str
    reader: Reader
    splits: tuple[str, ...]
    default_split: str
    valid_split: str | None
    native_size: int
    description: str
    user_folder: bool = False

    def read(self, data_dir: str | Path, split: str, ferplus_mode: str = "majority",
             folder_crop: str = "detect") -> list[Sample]:
        """Labelled samples of one split (checked against ``splits`` first)."""
        if split not in self.splits:
            raise FacemtlError(f"{self.name} has splits {', '.join(self.splits)}, not {split!r}")
        return self.reader(data_dir, split, ferplus_mode, folder_crop)

    @property
    def trainable(self) -> bool:
        return self.valid_split is not None and "train" in self.splits


DATASETS: dict[str, DatasetSpec] = {spec.name: spec for spec in (
    DatasetSpec(
        "ferplus", lambda d, s, mode, _: read_ferplus(d, s, mode=mode),
        ("train", "valid", "test"), "test", "valid", 48,
        "FER+ (FER2013 images, Microsoft FER+ crowd votes) train split; labels MIT, "
        "images for non-commercial research"),
    DatasetSpec(
        "utkface", lambda d, s, _, __: read_utkface(d, s),
        ("train", "valid", "test"), "test", "valid", 96,
        f"UTKFace Aligned&Cropped, facemtl's seeded split (facemtl/data/splits, 70/10/20, "
        f"seed {SPLIT_SEED}) train part; non-commercial research only"),
    DatasetSpec(
        "ckplus", lambda d, s, __, ___: read_ckplus(d, s),
        ("all", "valid", "test"), "all", None, 48,
        "CK+48 (extended Cohn-Kanade); non-commercial research only"),
    DatasetSpec(
        "affectnet", lambda d, s, _, __: read_affectnet(d, s),
        ("train", "valid"), "valid", "valid", 128,
        "AffectNet manually annotated training set; non-commercial research only",
        user_folder=True),
    DatasetSpec(
        "folder", lambda d, s, _, crop: read_class_folders(d, s, crop=crop),
        ("train", "valid", "all"), "valid", "valid", 128,
        "the user's own class folders (80/20 seeded stratified split)", user_folder=True),
    DatasetSpec(
        "identity", lambda d, s, _, __: read_identities(d, s),
        ("all", "test", "valid", "train"), "all", "valid", 128,
        "folder-per-identity faces (identity pre-training)", user_folder=True),
)}


def get_dataset(name: str) -> DatasetSpec:
    """The spec of a data set by name, or a one-line error listing the known names."""
    try:
        return DATASETS[name]
    except KeyError:
        raise FacemtlError(f"unknown data set {name!r}; choose from "
                           f"{', '.join(DATASETS)}") from None


def trainable_datasets() -> list[str]:
    return [name for name, spec in DATASETS.items() if spec.trainable]

"""The data-set registry and the crop cache's key."""

from __future__ import annotations

import numpy as np
import pytest

from facemtl.data.cache import cache_name, cached_arrays
from facemtl.data.registry import DATASETS, get_dataset, trainable_datasets
from facemtl.errors import FacemtlError


def test_registry_declares_every_data_set_once():
    assert set(DATASETS) == {"ferplus", "utkface", "ckplus", "affectnet", "folder", "identity"}
    assert "ckplus" not in trainable_datasets() and "ferplus" in trainable_datasets()
    for spec in DATASETS.values():
        assert spec.default_split in spec.splits and spec.native_size > 0 and spec.description
    with pytest.raises(FacemtlError, match="unknown data set 'afew'"):
        get_dataset("afew")
    with pytest.raises(FacemtlError, match="ckplus has splits all, valid, test, not 'train'"):
        get_dataset("ckplus").read("anywhere", "train")


def test_cache_is_keyed_on_the_data_folder(tmp_path, ckplus_dir):
    """Before: a built-in data set's cache name ignored the folder, so pointing at another
    copy of CK+ (or another data set under the same name) reused the old crops."""
    assert cache_name("ckplus", ckplus_dir, "all") != cache_name("ckplus", tmp_path, "all")
    assert cache_name("ckplus", ckplus_dir, "all") == cache_name("ckplus", ckplus_dir, "all")
    import shutil

    other = tmp_path / "ck"  # a CK+48 copy whose first class holds other faces
    shutil.copytree(ckplus_dir, other)
    for path in (other / "anger").glob("*.png"):
        path.unlink()
    for path in sorted((ckplus_dir / "happy").glob("*.png"))[:3]:
        shutil.copy(path, other / "anger" / path.name)
    full = cached_arrays("ckplus", ckplus_dir, "all", tmp_path / "cache", limit=3,
                         progress=False)
    small = cached_arrays("ckplus", other, "all", tmp_path / "cache", limit=3, progress=False)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2
    assert not np.array_equal(full.images, small.images)


def test_verification_metrics_leave_the_callers_array_alone():
    from facemtl.metrics import verification_metrics

    rng = np.random.default_rng(0)
    embeddings = rng.normal(size=(12, 8))
    before = embeddings.copy()
    verification_metrics(embeddings, np.repeat(np.arange(4), 3), np.arange(12))
    np.testing.assert_array_equal(embeddings, before)


def test_crop_size_input_cuts_utkface_straight_to_the_input_size(tmp_path, utkface_dir):
    """``crop_size: input`` gives training the crops ``analyze`` would cut (straight to 64 px),
    not the native 96-px crops resized; FER+ (native 48, below the input) keeps its cache."""
    from facemtl.data.arrays import FaceArrays, build_arrays
    from facemtl.data.cache import dataset_face_finder, read_samples
    from facemtl.train.config import TrainConfig
    from facemtl.train.trainer import load_split

    config = TrainConfig(input_size=64, crop_size="input", limit=6, progress=False,
                         cache_dir=str(tmp_path), datasets={"utkface": str(utkface_dir)})
    assert config.cache_size(96) == 64 and config.cache_size(48) is None
    assert TrainConfig(input_size=64).cache_size(96) is None  # native: how bundled nets trained
    straight, _ = load_split(config, "train")
    samples = read_samples("utkface", utkface_dir, "train", framing="detector")[:6]
    expected = build_arrays(samples, 64, detect=dataset_face_finder(samples), progress=False)
    expected.save(tmp_path / "expected.npz")  # the cache's own JPEG round trip, as training sees it
    expected = FaceArrays.load(tmp_path / "expected.npz")
    np.testing.assert_array_equal(straight.images, expected.images)
    native, _ = load_split(TrainConfig(**{**config.to_dict(), "crop_size": "native"}), "train")
    assert native.images.shape == straight.images.shape
    assert not np.array_equal(native.images, straight.images)  # 96 px, then resized
    assert len(list(tmp_path.glob("utkface_train_labels_64_*.npz"))) == 1

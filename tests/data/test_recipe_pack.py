"""The GPU recipe's data pack: crops travel without the data folder and land where the
trainer looks for them (benchmarks/recipe_pack.py, benchmarks/cpu_recipe_gpu.sh)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from facemtl.data.arrays import FaceArrays
from facemtl.data.cache import cached_arrays
from facemtl.train.config import TrainConfig

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "recipe_pack.py"


def _recipe_pack():
    spec = importlib.util.spec_from_file_location("recipe_pack", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_webp_crops_load_like_jpeg_ones(tmp_path, media):
    from facemtl.io.images import load_image

    face = load_image(media / "single_face.jpg")[:96, :96]
    arrays = FaceArrays(images=np.stack([face, face[:, ::-1]]),
                        expression=np.zeros((2, 8), np.float32), age=np.full(2, 30, np.int16),
                        gender=np.zeros(2, np.int8), ethnicity=np.zeros(2, np.int8),
                        valence=np.full(2, np.nan, np.float32),
                        arousal=np.full(2, np.nan, np.float32))
    arrays.save(tmp_path / "j.npz")
    arrays.save(tmp_path / "w.npz", codec="webp")
    jpeg, webp = FaceArrays.load(tmp_path / "j.npz"), FaceArrays.load(tmp_path / "w.npz")
    assert webp.images.shape == jpeg.images.shape == arrays.images.shape
    assert np.abs(webp.images.astype(int) - arrays.images).mean() < 6
    np.testing.assert_array_equal(webp.age, arrays.age)


def test_a_pack_lands_under_the_names_the_trainer_computes_elsewhere(tmp_path, utkface_dir):
    pack = _recipe_pack()
    config = TrainConfig(datasets={"utkface": str(utkface_dir)}, input_size=64, limit=3,
                         cache_dir=str(tmp_path / "here"), framing="detector")
    manifest = pack.pack(config, tmp_path / "pack")["utkface"]
    assert manifest["files"]["train.npz"]["faces"] == 3
    assert 0 < manifest["files"]["train.npz"]["mean_abs_change"] < 4
    # there: another data path that does not exist, another cache folder
    there = tmp_path / "there" / "data"
    written = pack.unpack(tmp_path / "pack" / "utkface", there, tmp_path / "cache")
    assert len(written) == 2
    moved = cached_arrays("utkface", there / "utkface", "train", tmp_path / "cache", limit=3,
                          progress=False, framing="detector")
    source = cached_arrays("utkface", utkface_dir, "train", tmp_path / "here", limit=3,
                           progress=False, framing="detector")
    assert moved.size == 64 and source.size == 96  # shrunk to the input size on the way
    np.testing.assert_array_equal(moved.age, source.age)
    assert np.abs(moved.images.astype(int) - source.resized(64).images).mean() < 4

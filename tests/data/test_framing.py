"""Detector framing: data sets' ready crops re-framed the way ``analyze`` frames a photo."""

from __future__ import annotations

import json

import numpy as np
import pytest

from facemtl.data.arrays import build_arrays, redetect
from facemtl.data.cache import cache_name, dataset_face_finder, read_samples
from facemtl.errors import ModelError
from facemtl.runtime.card import ModelCard


def test_redetect_finds_faces_that_fill_their_frame(ferplus_dir):
    from facemtl.detect import RetinaFaceDetector, largest_face_box
    from facemtl.io.images import load_image

    samples = read_samples("ferplus", ferplus_dir, "valid", framing="detector")[:40]
    assert {s.crop for s in samples} == {"redetect"}
    find = largest_face_box(RetinaFaceDetector(min_face=10, threads=1))
    images = [load_image(s.path) for s in samples]
    plain = sum(find(image) is not None for image in images)
    boxes = [redetect(image, find) for image in images]
    found = [b for b in boxes if b is not None]
    assert len(found) >= 0.8 * len(images) > plain  # the border is what makes it work
    centres = np.array([(b[0] + b[2] / 2, b[1] + b[3] / 2) for b in found]) / 48
    assert np.all(np.abs(np.median(centres, axis=0) - 0.5) < 0.1)  # boxes in the crop's pixels
    widths = np.array([b[2] for b in found]) / 48
    assert 0.6 < np.median(widths) < 0.95  # tighter than FER2013's frame, as analyze cuts


def test_detector_framing_changes_crops_and_cache_names(ckplus_dir):
    dataset = read_samples("ckplus", ckplus_dir, "valid")[:6]
    detector = read_samples("ckplus", ckplus_dir, "valid", framing="detector")[:6]
    assert {s.crop for s in dataset} == {"full"}
    assert cache_name("ckplus", ckplus_dir, "valid") != \
        cache_name("ckplus", ckplus_dir, "valid", framing="detector")
    assert dataset_face_finder(dataset) is None
    kept = build_arrays(dataset, 48, progress=False)
    reframed = build_arrays(detector, 48, detect=dataset_face_finder(detector), progress=False)
    assert kept.images.shape == reframed.images.shape
    assert not np.array_equal(kept.images, reframed.images)
    np.testing.assert_array_equal(kept.expression, reframed.expression)
    with pytest.raises(ValueError, match="unknown framing"):
        read_samples("ckplus", ckplus_dir, "valid", framing="loose")


def test_card_framing_defaults_to_dataset_and_is_checked(tmp_path):
    raw = {"format": "facemtl-card/1", "name": "x", "input": {"size": 64}, "outputs": {}}
    assert ModelCard(path=tmp_path / "x.json", raw=raw).input.framing == "dataset"
    raw["input"]["framing"] = "detector"
    assert ModelCard(path=tmp_path / "x.json", raw=raw).input.framing == "detector"
    raw["input"]["framing"] = "sideways"
    with pytest.raises(ModelError, match="framing 'sideways'"):
        ModelCard(path=tmp_path / "x.json", raw=json.loads(json.dumps(raw)))

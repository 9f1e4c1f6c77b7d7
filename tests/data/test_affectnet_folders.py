"""AffectNet CSV reader (on a small CSV built from real images), class folders, identities."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from facemtl.data.affectnet import read_affectnet
from facemtl.data.folders import class_names, read_class_folders, read_identities, recording_of
from facemtl.labels import EMOTIONS, MISSING

HEADER = ["subDirectory_filePath", "face_x", "face_y", "face_width", "face_height",
          "facial_landmarks", "expression", "valence", "arousal"]


def write_affectnet(root: Path, media: Path, ckplus: Path) -> list[list]:
    """AffectNet's layout with real photos: boxes of the faces in multi_face.jpg and
    single_face.jpg (found by the runtime detector), plus CK+ crops as whole-image boxes;
    every expression code 0-10 appears, and one row has valence/arousal -2 (not annotated)."""
    from facemtl.detect import RetinaFaceDetector
    from facemtl.io import load_image

    images = root / "Manually_Annotated_Images" / "101"
    images.mkdir(parents=True)
    rows = []
    detector = RetinaFaceDetector()
    for name in ("multi_face.jpg", "single_face.jpg"):
        shutil.copy(media / name, images / name)
        for face in detector.detect(load_image(media / name)):
            rows.append([f"101/{name}", *face.box.xywh])  # face_x, face_y, width, height
    for path in sorted((ckplus / "happy").glob("*.png"))[:6]:
        shutil.copy(path, images / path.name)
        rows.append([f"101/{path.name}", 0, 0, 48, 48])
    rng = np.random.default_rng(0)
    full = []
    for index, row in enumerate(rows):
        code = index % 11
        valence, arousal = rng.uniform(-1, 1, 2).round(3)
        if index == 1:
            valence = arousal = -2
        full.append(row + ["1;2;3", code, valence, arousal])
    lists = root / "Manually_Annotated_file_lists"
    lists.mkdir()
    for name in ("training.csv", "validation.csv"):
        with (lists / name).open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(full)
    return full


def test_affectnet_reader_maps_codes_and_masks(tmp_path, media, ckplus_dir):
    rows = write_affectnet(tmp_path, media, ckplus_dir)
    samples = read_affectnet(tmp_path, "train")
    kept = [r for r in rows if r[6] != 10]
    assert len(samples) == len(kept) == len(rows) - 1  # the one non-face row is dropped
    codes = ["neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger",
             "contempt"]
    for sample, row in zip(samples, kept, strict=True):
        x, y, w, h = (float(v) for v in row[1:5])
        assert sample.crop == "box" and sample.box == (x, y, w, h)
        assert sample.box.xyxy == (x, y, x + w, y + h)
        if row[6] < 8:
            assert EMOTIONS[sample.expression_label] == codes[row[6]]
        else:  # none / uncertain: valence and arousal kept, no expression label
            assert sample.expression is None and sample.expression_label == MISSING
    assert np.isnan(samples[1].valence) and np.isnan(samples[1].arousal)  # -2 = not annotated
    assert samples[0].valence == pytest.approx(float(rows[0][7]))


def test_affectnet_crops_are_the_csv_face_boxes(tmp_path, media, ckplus_dir):
    """The crop training sees is exactly the pixels inside face_x/face_y/width/height."""
    from facemtl.data.arrays import build_arrays
    from facemtl.io import load_image
    from facemtl.runtime.preprocess import resize_face

    rows = write_affectnet(tmp_path, media, ckplus_dir)
    samples = read_affectnet(tmp_path, "train")[:5]  # faces of the two photos
    arrays = build_arrays(samples, 64, progress=False)
    for sample, row, crop in zip(samples, rows, arrays.images, strict=False):
        x, y, w, h = (float(v) for v in row[1:5])
        image = load_image(sample.path)
        face = image[int(y):int(np.ceil(y + h)), int(x):int(np.ceil(x + w))]
        assert face.shape[0] == pytest.approx(h, abs=2) and face.shape[1] == pytest.approx(w, abs=2)
        np.testing.assert_array_equal(crop, resize_face(face, 64))


def test_affectnet_bad_csv_is_named(tmp_path):
    (tmp_path / "training.csv").write_text("subDirectory_filePath,expression\nx.jpg,1\n")
    with pytest.raises(ValueError, match="training.csv: missing columns"):
        read_affectnet(tmp_path, "train")
    with pytest.raises(FileNotFoundError, match="validation.csv"):
        read_affectnet(tmp_path, "valid")


def make_class_folders(root: Path, ckplus: Path, per_class: int = 6) -> list[str]:
    """A user's labelled folder: three CK+ classes, renamed as a user might name them."""
    names = {"happy": "smile", "surprise": "wow", "sadness": "sad"}
    for source, target in names.items():
        (root / target).mkdir(parents=True)
        for path in sorted((ckplus / source).glob("*.png"))[:per_class]:
            shutil.copy(path, root / target / path.name)
    return sorted(names.values())


def test_class_folders_split_is_seeded_stratified_and_disjoint(tmp_path, ckplus_dir):
    names = make_class_folders(tmp_path, ckplus_dir, per_class=10)
    assert class_names(tmp_path) == names
    train = read_class_folders(tmp_path, "train", crop="full")
    valid = read_class_folders(tmp_path, "valid", crop="full")
    assert len(train) == 24 and len(valid) == 6  # 20% of each class held out
    assert {s.path for s in train}.isdisjoint({s.path for s in valid})
    assert sorted(np.bincount([s.expression_label for s in valid])) == [2, 2, 2]
    assert [s.path for s in read_class_folders(tmp_path, "valid", crop="full")] == \
        [s.path for s in valid]  # same split every time


def test_identities_hold_out_people(ckplus_dir, data_root):
    test = read_identities(ckplus_dir, "test")
    train = read_identities(ckplus_dir, "train")
    valid = read_identities(ckplus_dir, "valid")
    held = {s.subject for s in test}
    assert len(held) == round(118 * 0.2)
    assert held.isdisjoint({s.subject for s in train} | {s.subject for s in valid})
    index = {s.subject: s.identity for s in train}
    assert all(index.get(s.subject, s.identity) == s.identity for s in valid)  # one index
    assert recording_of(train[0].path) == train[0].path.stem.rsplit("_", 1)[0]
    orl = data_root / "att_faces"
    if orl.is_dir():
        people = read_identities(orl, "all")
        assert len(people) == 400 and len({s.subject for s in people}) == 40
        assert all(s.crop == "detect" for s in people)  # photos: faces are detected

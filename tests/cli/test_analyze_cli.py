from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "facemtl", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_multi_face_jsonl_has_five_faces_with_every_key(media):
    result = run_cli("analyze", str(media / "multi_face.jpg"), "--embedding")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 5 and [r["face"] for r in rows] == [0, 1, 2, 3, 4]
    expected = {"file", "face", "box", "score", "landmarks", "emotion", "emotion_probs",
                "valence", "arousal", "age", "gender", "gender_prob", "ethnicity",
                "ethnicity_probs", "embedding"}
    for row in rows:
        assert set(row) == expected
        assert row["emotion"] and row["gender"] and row["ethnicity"] and row["age"] > 0
        assert len(row["embedding"]) > 100


def test_no_face_image_gives_one_null_row(media):
    result = run_cli("analyze", str(media / "free-mountain-vector-01.jpg"))
    assert result.returncode == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["face"] is None and rows[0]["emotion"] is None


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, media) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bad")
    face = Image.open(media / "single_face.jpg").convert("RGB")
    rgb = np.asarray(face)
    files = {}
    files["missing"] = root / "missing.jpg"
    files["text"] = root / "notes.jpg"
    files["text"].write_text("not an image")
    files["empty"] = root / "empty.png"
    files["empty"].write_bytes(b"")
    data = (media / "single_face.jpg").read_bytes()
    files["truncated"] = root / "truncated.jpg"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["sixteen"] = root / "sixteen.png"
    Image.fromarray(rgb[:, :, 1].astype(np.uint16) * 257).save(files["sixteen"])
    files["grey"] = root / "grey.jpg"
    face.convert("L").save(files["grey"])
    files["rgba"] = media / "Image_with_alpha.png"
    files["cmyk"] = root / "cmyk.jpg"
    face.convert("CMYK").save(files["cmyk"])
    files["rotated"] = root / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 8
    face.save(files["rotated"], exif=exif)
    files["huge"] = root / "huge.jpg"
    big = Image.new("RGB", (10_000, 10_000), (128, 128, 128))
    big.paste(face.resize((2000, 2000)), (4000, 4000))
    big.save(files["huge"], quality=70)
    return files


def test_bad_inputs_one_line_each_batch_goes_on(bad_inputs, tmp_path):
    order = ["missing", "text", "empty", "truncated", "sixteen", "grey", "rgba", "cmyk",
             "rotated", "huge"]
    out_csv = tmp_path / "rows.csv"
    result = run_cli("analyze", *[str(bad_inputs[k]) for k in order], "--csv", str(out_csv),
                     "-q")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("facemtl: error")]
    assert len(errors) == 4
    for kind in ("missing", "text", "empty", "truncated"):
        assert any(str(bad_inputs[kind]) in line for line in errors), kind
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_file = {r["file"] for r in rows}
    for kind in ("sixteen", "grey", "rgba", "cmyk", "rotated", "huge"):
        assert str(bad_inputs[kind]) in by_file, kind
    faces = {r["file"]: r for r in rows if r["face"] == 0}
    for kind in ("grey", "rgba", "cmyk", "rotated", "huge"):
        assert str(bad_inputs[kind]) in faces, f"no face found in the {kind} image"
    # the huge image's face box comes back in original pixels
    x, y, w, h = faces[str(bad_inputs["huge"])]["box"]
    assert 3900 < x < 5000 and 3900 < y < 5000 and w > 500
    # the rotated image is analysed upright: its box lies in the rotated frame
    with out_csv.open() as handle:
        assert len(list(csv.DictReader(handle))) == len(rows)
    assert not list(tmp_path.glob(".*partial*"))


def test_folder_glob_csv_and_annotate(media, tmp_path):
    out_csv, out_dir = tmp_path / "out.csv", tmp_path / "annotated"
    result = run_cli("analyze", str(media / "*.jpg"), "--csv", str(out_csv), "--annotate",
                     str(out_dir), "--no-jsonl", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    with out_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    files = {Path(r["file"]).name for r in rows}
    assert {"multi_face.jpg", "single_face.jpg", "free-mountain-vector-01.jpg"} <= files
    assert sum(Path(r["file"]).name == "multi_face.jpg" for r in rows) == 5
    annotated = sorted(p.name for p in out_dir.iterdir())
    assert "multi_face.jpg" in annotated and not any("partial" in n for n in annotated)
    image = Image.open(out_dir / "multi_face.jpg")
    assert image.size == Image.open(media / "multi_face.jpg").size


def test_unknown_model_is_one_line(media):
    result = run_cli("analyze", str(media / "single_face.jpg"), "--model", "nope")
    assert result.returncode == 2
    assert "unknown model" in result.stderr and "Traceback" not in result.stderr


def test_annotate_mirrors_the_input_tree(media, tmp_path):
    """Before: a/img.jpg and b/img.jpg were both written to DIR/img.jpg (the last one won)."""
    import shutil

    for folder, name in (("a", "single_face.jpg"), ("b", "multi_face.jpg")):
        (tmp_path / "in" / folder).mkdir(parents=True)
        shutil.copy(media / name, tmp_path / "in" / folder / "img.jpg")
    shutil.copy(media / "single_face.jpg", tmp_path / "in" / "b" / "img.jpeg")
    out = tmp_path / "out"
    result = run_cli("analyze", str(tmp_path / "in"), "--annotate", str(out), "-q",
                     "--no-jsonl")
    assert result.returncode == 0, result.stderr
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    # b/img.jpeg comes first in sorted order and takes b/img.jpg; b/img.jpg keeps its suffix
    assert written == ["a/img.jpg", "b/img.jpg", "b/img_jpg.jpg"]
    assert Image.open(out / "a" / "img.jpg").size == Image.open(media / "single_face.jpg").size
    assert Image.open(out / "b" / "img_jpg.jpg").size == Image.open(media / "multi_face.jpg").size


def test_help_names_the_real_default_model_and_the_sample():
    from facemtl.runtime.registry import DEFAULT_MODEL

    result = run_cli("analyze", "--help")
    text = " ".join(result.stdout.split())
    assert f"(default: {DEFAULT_MODEL})" in text and "base" not in text
    assert "python -m facemtl.sample" in text

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from facemtl.errors import InputError
from facemtl.io.discover import expand_inputs
from facemtl.io.images import load_image


@pytest.fixture(scope="module")
def face_rgb(media):
    return np.asarray(Image.open(media / "single_face.jpg").convert("RGB"))


def test_path_array_and_pil_agree(media, face_rgb):
    from_path = load_image(media / "single_face.jpg")
    assert from_path.dtype == np.uint8 and from_path.shape == face_rgb.shape
    assert np.array_equal(load_image(Image.open(media / "single_face.jpg")), from_path)
    assert np.array_equal(load_image(face_rgb), from_path)
    assert np.array_equal(load_image(face_rgb[:, :, ::-1].copy(), channel_order="bgr"), from_path)


def test_rgba_is_composited_on_white(media):
    image = load_image(media / "Image_with_alpha.png")
    assert image.ndim == 3 and image.shape[2] == 3


def test_grey_sixteen_bit_and_cmyk(tmp_path, face_rgb):
    grey = tmp_path / "grey.png"
    Image.fromarray(face_rgb).convert("L").save(grey)
    sixteen = tmp_path / "sixteen.png"
    Image.fromarray(face_rgb[:, :, 0].astype(np.uint16) * 257).save(sixteen)
    cmyk = tmp_path / "cmyk.jpg"
    Image.fromarray(face_rgb).convert("CMYK").save(cmyk)
    for path in (grey, sixteen, cmyk):
        image = load_image(path)
        assert image.dtype == np.uint8 and image.shape == face_rgb.shape
    assert np.array_equal(load_image(sixteen)[:, :, 0], face_rgb[:, :, 0])


def test_exif_rotation_is_applied(tmp_path, face_rgb):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    Image.fromarray(face_rgb).save(path, exif=exif)
    image = load_image(path)
    assert image.shape[:2] == (face_rgb.shape[1], face_rgb.shape[0])


@pytest.mark.parametrize("kind, message", [
    ("missing", "file not found"),
    ("empty", "empty file"),
    ("text", "not a readable image"),
    ("truncated", "truncated"),
    ("directory", "directory"),
])
def test_bad_files_raise_one_line_errors(tmp_path, media, kind, message):
    path = tmp_path / f"{kind}.jpg"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "text":
        path.write_text("this is not an image\n")
    elif kind == "truncated":
        data = (media / "single_face.jpg").read_bytes()
        path.write_bytes(data[: len(data) // 3])
    elif kind == "directory":
        path.mkdir()
    with pytest.raises(InputError) as error:
        load_image(path)
    text = str(error.value)
    assert message in text and str(path) in text and "\n" not in text


def test_expand_inputs_folders_globs_and_missing(tmp_path, media):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jpg").write_bytes((media / "single_face.jpg").read_bytes())
    (tmp_path / "notes.txt").write_text("x")
    found = expand_inputs([str(tmp_path), str(media / "*.png"), str(tmp_path / "nope.jpg")])
    names = [p.name for p in found]
    assert "a.jpg" in names and "Image_with_alpha.png" in names and "nope.jpg" in names
    assert "notes.txt" not in names

"""Annotated copies of images: boxes, landmarks and a label per face."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from facemtl.errors import FacemtlError
from facemtl.io.atomic import atomic_path
from facemtl.results.face import Face


def face_label(face: Face) -> str:
    bits = []
    if face.emotion:
        bits.append(face.emotion)
    if face.age is not None:
        bits.append(f"{face.age:.0f}y")
    if face.gender:
        bits.append(face.gender[0].upper())
    return " ".join(bits)


def track_colour(track: int) -> tuple[int, int, int]:
    """A stable, distinct BGR colour per track id (golden-angle hues)."""
    hue = int((track * 137.508) % 180)
    bgr = cv2.cvtColor(np.uint8([[[hue, 200, 230]]]), cv2.COLOR_HSV2BGR)[0, 0]
    return int(bgr[0]), int(bgr[1]), int(bgr[2])


def annotate_image(rgb: np.ndarray, faces: Sequence[Face],
                   tracks: list[int] | None = None) -> np.ndarray:
    """A BGR copy of ``rgb`` with every face drawn (ready for ``cv2.imwrite``); with
    ``tracks``, each face is labelled with its track id in the track's colour."""
    canvas = np.ascontiguousarray(rgb[:, :, ::-1]).copy()
    thickness = max(1, round(max(canvas.shape[:2]) / 500))
    scale = max(0.4, max(canvas.shape[:2]) / 1500)
    for index, face in enumerate(faces):
        colour = track_colour(tracks[index]) if tracks else (0, 200, 0)
        x, y, w, h = (int(round(v)) for v in face.box)
        cv2.rectangle(canvas, (x, y), (x + w, y + h), colour, thickness)
        for px, py in face.landmarks:
            cv2.circle(canvas, (int(px), int(py)), thickness + 1, (0, 160, 255), -1)
        label = face_label(face)
        if tracks:
            label = f"#{tracks[index]} {label}".strip()
        if label:
            (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
            top = max(0, y - th - 6)
            cv2.rectangle(canvas, (x, top), (x + tw + 4, top + th + 6), colour, -1)
            cv2.putText(canvas, label, (x + 2, top + th + 2), cv2.FONT_HERSHEY_SIMPLEX, scale,
                        (0, 0, 0), thickness, cv2.LINE_AA)
    return canvas


def write_image(pixels: np.ndarray, target: str | Path, encoding: str) -> Path:
    """Encode a BGR or grey uint8 picture as ``encoding`` (".png", ".jpg" ...) and write it
    to ``target`` atomically: the file appears whole or not at all."""
    target = Path(target)
    ok, encoded = cv2.imencode(encoding, pixels)
    if not ok:
        raise FacemtlError(f"{target}: cannot encode a picture as {encoding}")
    with atomic_path(target) as partial:
        partial.write_bytes(encoded.tobytes())
    return target


def save_annotated(rgb: np.ndarray, faces: Sequence[Face], target: str | Path) -> Path:
    """Draw ``faces`` on ``rgb`` and write it to ``target`` (format from the suffix;
    JPEG when it has none we know), atomically."""
    suffix = Path(target).suffix.lower()
    return write_image(annotate_image(rgb, faces), target,
                       suffix if suffix in _ENCODABLE else ".jpg")


_ENCODABLE = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


class AnnotatedImageWriter:
    """Annotated copies of a batch of images under ``out_dir``, mirroring the input tree.

    Paths are taken relative to the folder all ``sources`` share, so ``a/img.jpg`` and
    ``b/img.jpg`` become ``DIR/a/img.jpg`` and ``DIR/b/img.jpg``. PNG sources stay PNG, the
    rest become JPEG; should two sources still map to one name (``img.jpeg`` beside
    ``img.jpg``), the later one in the run keeps its extension in the name
    (``img_jpg.jpg``): no file written in a run is overwritten by the same run.
    """

    def __init__(self, out_dir: str | Path, sources: Sequence[str | Path]) -> None:
        self.out_dir = Path(out_dir)
        parents = [str(Path(s).resolve().parent) for s in sources]
        self.root = Path(os.path.commonpath(parents)) if parents else Path.cwd()
        self.written: set[Path] = set()

    def target(self, source: str | Path) -> Path:
        source = Path(source).resolve()
        try:
            relative = source.relative_to(self.root)
        except ValueError:  # a source outside the shared root (not one of ``sources``)
            relative = Path(source.name)
        suffix = ".png" if source.suffix.lower() == ".png" else ".jpg"
        target = self.out_dir / relative.with_suffix(suffix)
        if target in self.written:
            target = target.with_name(f"{relative.stem}_{source.suffix.lstrip('.').lower()}"
                                      f"{suffix}")
        count = 2
        while target in self.written:
            target = target.with_name(f"{relative.stem}_{count}{suffix}")
            count += 1
        return target

    def write(self, source: str | Path, rgb: np.ndarray, faces: Sequence[Face]) -> Path:
        target = self.target(source)
        self.written.add(target)
        return save_annotated(rgb, faces, target)

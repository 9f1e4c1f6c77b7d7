"""Annotated copies of images: boxes, landmarks and a label per face."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

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


def annotate_image(rgb: np.ndarray, faces: list[Face],
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


def write_annotated(rgb: np.ndarray, faces: list[Face], out_dir: str | Path,
                    source: str | Path) -> Path:
    """Write ``out_dir/<source stem>.jpg`` (PNG sources stay PNG), atomically."""
    source = Path(source)
    suffix = ".png" if source.suffix.lower() == ".png" else ".jpg"
    target = Path(out_dir) / f"{source.stem}{suffix}"
    ok, encoded = cv2.imencode(suffix, annotate_image(rgb, faces))
    if not ok:
        raise OSError(f"{target}: could not encode annotated image")
    with atomic_path(target) as partial:
        partial.write_bytes(encoded.tobytes())
    return target

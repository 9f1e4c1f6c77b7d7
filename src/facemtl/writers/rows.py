"""Result rows (one per face; one with ``face: null`` for an image without faces) and their
JSONL and CSV writers."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Any

from facemtl.io.atomic import commit, partial_path
from facemtl.results.face import FIELDS, Face


def face_rows(file: str, faces: list[Face], embedding: bool = False) -> list[dict[str, Any]]:
    """Rows for one image: every face, or a single ``face: null`` row so nothing vanishes."""
    if not faces:
        row: dict[str, Any] = {"file": file, "face": None, **dict.fromkeys(FIELDS)}
        if embedding:
            row["embedding"] = None
        return [row]
    return [{"file": file, "face": index, **face.to_dict(embedding=embedding)}
            for index, face in enumerate(faces)]


class JsonlWriter:
    """One JSON object per line, to a stream (default stdout), flushed per image."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.stream.write(json.dumps(row) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """CSV columns: box_x..box_h, one column per probability, lists as JSON text."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        if key == "box":
            for name, v in zip(("box_x", "box_y", "box_w", "box_h"), value or [None] * 4,
                               strict=True):
                flat[name] = v
        elif key in ("emotion_probs", "ethnicity_probs"):
            flat[key] = json.dumps(value) if value is not None else None
        elif isinstance(value, list):
            flat[key] = json.dumps(value)
        else:
            flat[key] = value
    return flat


class CsvWriter:
    """CSV rows written to a temporary file and renamed into place on ``close``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = partial_path(self.path)
        self.handle = self.partial.open("w", newline="")
        self.writer: csv.DictWriter | None = None

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            flat = flatten(row)
            if self.writer is None:
                self.writer = csv.DictWriter(self.handle, fieldnames=list(flat))
                self.writer.writeheader()
            self.writer.writerow(flat)

    def close(self) -> None:
        self.handle.close()
        commit(self.partial, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.partial.unlink(missing_ok=True)

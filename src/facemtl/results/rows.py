"""The one definition of a result row, shared by the CLI's writers, ``ImageResult.to_df()``
and (next) the service: one row per face, or one with ``face: null`` for an image or frame
without faces, so that nothing silently vanishes from a table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from facemtl.results.face import FIELDS, Face

if TYPE_CHECKING:
    from facemtl.results.frame import FrameResult

#: Keys a video row has before the face fields (``file`` and ``face`` come first).
FRAME_FIELDS: tuple[str, ...] = ("frame", "time_s", "track", "detected")


def _empty_row(prefix: dict[str, Any], embedding: bool) -> dict[str, Any]:
    row: dict[str, Any] = {**prefix, **dict.fromkeys(FIELDS)}
    if embedding:
        row["embedding"] = None
    return row


def face_rows(file: str | None, faces: Sequence[Face], embedding: bool = False,
              frame_columns: bool = False) -> list[dict[str, Any]]:
    """Rows for one image: every face, or a single ``face: null`` row so nothing vanishes.

    ``frame_columns`` adds the video columns (empty), so images and videos can share a CSV.
    """
    frame = dict.fromkeys(FRAME_FIELDS) if frame_columns else {}
    if not faces:
        return [_empty_row({"file": file, "face": None, **frame}, embedding)]
    return [{"file": file, "face": index, **frame, **face.to_dict(embedding=embedding)}
            for index, face in enumerate(faces)]


def frame_rows(file: str | None, result: FrameResult, embedding: bool = False
               ) -> list[dict[str, Any]]:
    """Rows for one video frame: ``file, face, frame, time_s, track, detected`` and the face
    fields, or one row with ``face: null`` when the frame has no face."""
    where = {"frame": result.frame, "time_s": round(result.time_s, 3)}
    if not result.faces:
        return [_empty_row({"file": file, "face": None, **where, "track": None,
                            "detected": None}, embedding)]
    return [{"file": file, "face": index, **where, "track": tracked.track,
             "detected": tracked.detected, **tracked.face.to_dict(embedding=embedding)}
            for index, tracked in enumerate(result.faces)]


def flatten(row: dict[str, Any]) -> dict[str, Any]:
    """Table columns (CSV, Parquet, DataFrame): box_x..box_h, probabilities and lists as
    JSON text."""
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


def rows_to_df(rows: list[dict[str, Any]]) -> Any:
    """A pandas DataFrame with the CSV's columns (pandas is optional: a clear message)."""
    try:
        import pandas as pd
    except ModuleNotFoundError:
        from facemtl.errors import FacemtlError

        raise FacemtlError("to_df() needs pandas (pip install pandas)") from None
    return pd.DataFrame([flatten(row) for row in rows])

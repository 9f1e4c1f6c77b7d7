"""Faces of one video frame, each with the id of the track (person) it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facemtl.results.face import Face
from facemtl.results.rows import frame_rows


@dataclass(frozen=True)
class TrackedFace:
    """A face in a frame. ``detected=False``: the detector missed it and its box was carried
    over from an earlier frame (paper 1 reuses it for up to 3 frames)."""

    track: int
    detected: bool
    face: Face


@dataclass(frozen=True)
class FrameResult:
    """One analysed (sampled) frame: its index and time, its faces, and its pixels (kept
    only so writers can draw on them; not part of ``to_dict``)."""

    frame: int
    time_s: float
    faces: tuple[TrackedFace, ...]
    image: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_dicts(self, file: str | None = None, embedding: bool = False) -> list[dict[str, Any]]:
        """The CLI's rows for this frame (one per face, or one with ``face: None``)."""
        return frame_rows(file, self, embedding=embedding)

    def to_dict(self, embedding: bool = False) -> dict[str, Any]:
        """The frame as one nested object: its index, time and faces."""
        return {"frame": self.frame, "time_s": round(self.time_s, 3),
                "faces": [{"track": f.track, "detected": f.detected,
                           **f.face.to_dict(embedding=embedding)} for f in self.faces]}

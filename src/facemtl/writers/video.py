"""Annotated videos: every analysed frame with boxes, track ids and labels."""

from __future__ import annotations

from pathlib import Path

import cv2

from facemtl.errors import FacemtlError
from facemtl.io.atomic import commit, partial_path
from facemtl.results.frame import FrameResult
from facemtl.writers.annotate import annotate_image

#: Codec per container suffix; OpenCV's bundled FFmpeg encodes these without extra libraries.
_FOURCC = {".mp4": "mp4v", ".mov": "mp4v", ".m4v": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}


class AnnotatedVideoWriter:
    """Write frames as they come (flat memory) to a temporary file, renamed on ``close``."""

    def __init__(self, path: str | Path, fps: float) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in _FOURCC:
            raise FacemtlError(f"{self.path}: annotated video must end in "
                               f"{', '.join(sorted(_FOURCC))}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = partial_path(self.path)
        self.fourcc = cv2.VideoWriter_fourcc(*_FOURCC[suffix])
        self.fps = fps
        self.writer: cv2.VideoWriter | None = None
        self.frames = 0

    def write(self, result: FrameResult) -> None:
        if result.image is None:
            raise ValueError("FrameResult carries no image to draw on")
        canvas = annotate_image(result.image, [f.face for f in result.faces],
                                tracks=[f.track for f in result.faces])
        if self.writer is None:
            height, width = canvas.shape[:2]
            self.writer = cv2.VideoWriter(str(self.partial), self.fourcc, self.fps,
                                          (width, height))
            if not self.writer.isOpened():
                raise FacemtlError(f"{self.path}: cannot open a video writer")
        self.writer.write(canvas)
        self.frames += 1

    def close(self) -> None:
        if self.writer is None:
            raise FacemtlError(f"{self.path}: no frame to write")
        self.writer.release()
        commit(self.partial, self.path)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.release()
        self.partial.unlink(missing_ok=True)

"""``VideoResult``: one video's analysis, streamed frame by frame.

Iterating yields each ``FrameResult`` as soon as its batch of frames is analysed (memory
stays flat, whatever the length); along the way the result keeps the per-track summary and,
unless ``keep_frames=False``, the frames without their pixels, so that ``to_dicts()``,
``to_df()`` and ``to_json()`` can cover every frame afterwards. Those methods finish the
stream first if it has not been read to the end.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from facemtl.results.frame import FrameResult
from facemtl.results.rows import rows_to_df

if TYPE_CHECKING:
    from facemtl.io.video import VideoReader
    from facemtl.video.summary import VideoSummary


class VideoResult:
    """What ``VideoAnalyzer.analyze(path)`` returns. ``reader`` tells the native and sampled
    frame rates and, once the stream has ended, whether the file was damaged (``damage``)."""

    def __init__(self, path: str | Path, frames: Iterator[FrameResult], reader: VideoReader,
                 summary: VideoSummary, keep_frames: bool = True) -> None:
        self.path = str(path)
        self.reader = reader
        self.summary = summary
        self.keep_frames = keep_frames
        self.frames: list[FrameResult] = []
        self._stream = frames
        self._started = False

    def __iter__(self) -> Iterator[FrameResult]:
        if self._started:
            raise RuntimeError(f"{self.path}: a video result streams once; iterate over "
                               "result.frames (kept without pixels) to read it again")
        self._started = True
        for frame in self._stream:
            self.summary.add(frame)
            if self.keep_frames:
                self.frames.append(dataclasses.replace(frame, image=None))
            yield frame

    @property
    def damage(self) -> str | None:
        return self.reader.damage

    @property
    def expected_frames(self) -> int | None:
        """How many frames the stream should give (from the header; None if unknown)."""
        reader = self.reader
        if not reader.frame_count:
            return None
        if not reader.fps:
            return reader.frame_count
        return int(reader.frame_count * min(1.0, reader.fps / reader.native_fps)) + 1

    def _drain(self) -> None:
        """Read the stream to its end if nobody has iterated it yet."""
        if not self._started:
            for _ in self:
                pass

    def _finish(self) -> list[FrameResult]:
        self._drain()
        if not self.keep_frames:
            raise RuntimeError(f"{self.path}: frames were not kept (keep_frames=False)")
        return self.frames

    def to_dicts(self, embedding: bool = False) -> list[dict[str, Any]]:
        """The CLI's rows for every frame, in order."""
        return [row for frame in self._finish()
                for row in frame.to_dicts(self.path, embedding=embedding)]

    def to_json(self, embedding: bool = False, indent: int | None = None) -> str:
        return json.dumps(self.to_dicts(embedding=embedding), indent=indent)

    def to_df(self, embedding: bool = False) -> Any:
        """A pandas DataFrame over all frames, with the same columns as ``--csv``."""
        return rows_to_df(self.to_dicts(embedding=embedding))

    def report(self) -> dict[str, Any]:
        """The ``--summary`` entry for this video: frame rates, damage, per-track and
        per-video summaries (mean probabilities, dominant emotion, descriptors)."""
        reader = self.reader
        return {"file": self.path, "native_fps": round(reader.native_fps, 3),
                "sampled_fps": round(reader.output_fps, 3),
                "frames_decoded": reader.frames_decoded, "damage": reader.damage,
                **self.summary.to_dict()}

    def save(self, path: str | Path) -> Path:
        """Write the annotated video (boxes, track ids, labels) to ``path`` (.mp4, .mov,
        .m4v, .avi, .mkv) while reading the stream; pixels are not kept, so this must come
        before the result has been iterated. Written whole or not at all."""
        from facemtl.writers.video import AnnotatedVideoWriter

        if self._started:
            raise RuntimeError(f"{self.path}: save() must come before iterating the result "
                               "(frames are not kept with their pixels)")
        writer = AnnotatedVideoWriter(path, self.reader.output_fps)
        try:
            for frame in self:
                writer.write(frame)
            writer.close()
        except BaseException:
            writer.abort()
            raise
        return writer.path

    def plot(self, path: str | Path, title: str | None = None) -> Path:
        """Draw each track's emotion probabilities and valence/arousal over time (needs
        matplotlib and a summary made with ``keep_series=True``, the default here)."""
        from facemtl.writers.plot import write_timeline_plot

        self._drain()
        return write_timeline_plot(self.summary, path, title=Path(self.path).name
                                   if title is None else title)

"""Videos: recognise them by their bytes, and stream their frames with flat memory.

Frames are decoded by OpenCV's FFmpeg backend on a reader thread (OpenCV releases the GIL
while decoding), a few frames ahead of the consumer, so decoding overlaps face inference
while memory stays bounded by the queue, whatever the video's length.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

# FFmpeg prints its own complaints about damaged streams; we report damage ourselves, once.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

import contextlib

import cv2  # noqa: E402 - the log level must be set before OpenCV opens a video
import numpy as np  # noqa: E402

from facemtl.errors import InputError  # noqa: E402

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

#: Container signatures: (offset, bytes). ISO-BMFF covers mp4, mov, m4v and 3gp.
_ISO_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")
_MATROSKA = b"\x1a\x45\xdf\xa3"  # mkv and webm
_MPEG_PS = b"\x00\x00\x01\xba"

#: Sampled frames buffered ahead of the consumer (bounds memory).
PREFETCH = 8


def video_container(path: str | Path) -> str | None:
    """The container a file holds ("mp4/mov", "avi", "mkv/webm", "mpeg"), judged by its first
    bytes rather than its name; None for anything else (images, text, missing files)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(16)
    except OSError:
        return None
    if len(head) >= 8 and head[4:8] in _ISO_BOXES:
        return "mp4/mov"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:4] == _MATROSKA:
        return "mkv/webm"
    if head[:4] == _MPEG_PS:
        return "mpeg"
    return None


def is_video(path: str | Path) -> bool:
    return video_container(path) is not None


def _has_index(path: Path) -> bool:
    """Whether an ISO-BMFF file's top level holds a ``moov`` box (walks box headers only)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        offset = 0
        while offset + 8 <= size:
            handle.seek(offset)
            header = handle.read(16)
            length, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if kind == b"moov":
                return True
            if length == 1 and len(header) == 16:
                length = int.from_bytes(header[8:16], "big")
            if length < 8:
                return False
            offset += length
    return False


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: its index in the video, its time, and RGB uint8 pixels."""

    index: int
    time_s: float
    rgb: np.ndarray = field(repr=False, compare=False)


class VideoReader:
    """Iterate over a video's frames, every frame or ``fps`` of them per second.

    After iteration, ``frames_decoded`` says how far decoding got and ``damage`` holds a
    one-line description when the file ended before its header said it would (a truncated
    or corrupt file yields the frames before the damage, then stops).
    """

    def __init__(self, path: str | Path, fps: float | None = None,
                 prefetch: int = PREFETCH) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"{self.path}: file not found")
        if self.path.stat().st_size == 0:
            raise InputError(f"{self.path}: empty file (0 bytes)")
        if fps is not None and not fps > 0:
            raise InputError(f"--fps must be positive, not {fps}")
        capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not capture.isOpened():
            if video_container(self.path) == "mp4/mov" and not _has_index(self.path):
                raise InputError(f"{self.path}: truncated or incomplete MP4/MOV (its index, "
                                 "the moov box, is missing), so no frame can be located")
            raise InputError(f"{self.path}: not a readable video (damaged, truncated or "
                             "an unsupported codec)")
        native = capture.get(cv2.CAP_PROP_FPS)
        self.fps_known = bool(native and math.isfinite(native) and 0 < native < 1000)
        self.native_fps = float(native) if self.fps_known else 30.0
        count = capture.get(cv2.CAP_PROP_FRAME_COUNT)
        self.frame_count = int(count) if count and math.isfinite(count) and count > 0 else None
        self.width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        capture.release()
        self.fps = fps
        self.prefetch = prefetch
        self.frames_decoded = 0
        self.damage: str | None = None

    @property
    def output_fps(self) -> float:
        """Frames per second of the sampled stream (for writing an annotated video)."""
        return min(self.fps, self.native_fps) if self.fps else self.native_fps

    def _keep(self, index: int) -> bool:
        if self.fps is None or self.fps >= self.native_fps:
            return True
        step = self.native_fps / self.fps
        return index == 0 or math.floor(index / step) > math.floor((index - 1) / step)

    def _decode(self, out: queue.Queue, stop: threading.Event) -> None:
        capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        index = 0
        try:
            while not stop.is_set():
                if not capture.grab():
                    break
                if self._keep(index):
                    ok, bgr = capture.retrieve()
                    if not ok or bgr is None:
                        break
                    frame = VideoFrame(index, index / self.native_fps,
                                       np.ascontiguousarray(bgr[:, :, ::-1]))
                    while not stop.is_set():
                        try:
                            out.put(frame, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                index += 1
                self.frames_decoded = index
        except Exception as error:  # noqa: BLE001 - surfaced to the consumer as damage
            self.damage = f"{self.path}: decoding failed at frame {index} ({error})"
        finally:
            capture.release()
            out.put(None)

    def __iter__(self) -> Iterator[VideoFrame]:
        frames: queue.Queue = queue.Queue(maxsize=self.prefetch)
        stop = threading.Event()
        worker = threading.Thread(target=self._decode, args=(frames, stop), daemon=True)
        worker.start()
        try:
            while (frame := frames.get()) is not None:
                yield frame
        finally:
            stop.set()
            while worker.is_alive():  # drain so the worker can put its sentinel and exit
                with contextlib.suppress(queue.Empty):
                    frames.get(timeout=0.1)
            worker.join()
        self._check_complete()

    def _check_complete(self) -> None:
        if self.damage:
            return
        if self.frames_decoded == 0:
            self.damage = f"{self.path}: no frame could be decoded (damaged or truncated video)"
        elif self.frame_count and self.frame_count - self.frames_decoded > max(
                5, 0.05 * self.frame_count):
            # The header's count is an estimate (duration x fps): a few frames short is normal.
            self.damage = (f"{self.path}: stopped after frame {self.frames_decoded} of "
                           f"{self.frame_count} (damaged or truncated video)")

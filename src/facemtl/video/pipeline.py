"""The video pipeline: frames -> detector -> tracker -> crops -> model (batched across
frames) -> ``FrameResult`` per frame, yielded in order with flat memory."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

from facemtl.analyzer import FaceAnalyzer, whole_image_detection
from facemtl.io.video import VideoFrame, VideoReader
from facemtl.results.frame import FrameResult, TrackedFace
from facemtl.results.video import VideoResult
from facemtl.video.follow import follow_face
from facemtl.video.tracker import IouTracker, TrackedDetection

#: Detect on at most every k-th source frame, following faces between (the fastest k that
#: keeps >= 99% of the every-frame detector's faces: benchmarks/video_schedule.py).
DETECT_EVERY = 6


class StageTimer:
    """Seconds spent per pipeline stage (for the speed benchmark's breakdown)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def add(self, stage: str, since: float) -> float:
        """Charge the time since ``since`` to ``stage``; returns now, for the next stage."""
        now = time.perf_counter()
        self.seconds[stage] += now - since
        return now


class VideoAnalyzer:
    """Analyse a video (or any sequence of RGB frames) face by face, person by person.

    >>> video = VideoAnalyzer()
    >>> for result in video.analyze("clip.mp4", fps=5):
    ...     for face in result.faces:
    ...         print(result.time_s, face.track, face.face.emotion)

    ``batch_frames`` frames are detected and tracked, then all their faces go through the
    model in one batch. ``detect_every=k`` runs the detector at most every k frames of the
    source (counted in its own frame numbers, so a video sampled with ``fps`` at k or more
    frames apart is detected on every sampled frame) and follows the faces between
    detections with optical flow (``video/follow.py``); a face the flow loses triggers a
    detection at once. Followed faces have ``detected=False``. ``cropped=True`` treats
    every frame as a face crop (no detection), for clips made of already-cropped faces such
    as CK+.
    """

    def __init__(self, analyzer: FaceAnalyzer | None = None, batch_frames: int = 8,
                 iou_threshold: float = 0.3, max_missed: int = 3, cropped: bool = False,
                 timer: StageTimer | None = None, detect_every: int = DETECT_EVERY) -> None:
        if detect_every < 1:
            raise ValueError(f"detect_every must be 1 or more, not {detect_every}")
        self.detect_every = detect_every
        self.analyzer = analyzer or FaceAnalyzer()
        self.batch_frames = max(1, batch_frames)
        self.iou_threshold = iou_threshold
        self.max_missed = max_missed
        self.cropped = cropped
        self.timer = timer or StageTimer()
        self.reader: VideoReader | None = None

    def analyze(self, path: str | Path, fps: float | None = None, keep_frames: bool = True,
                embeddings: bool = False, keep_series: bool = True) -> VideoResult:
        """A video file's results, streamed as you iterate (see ``VideoResult``).

        The file is opened here, so a missing or unreadable video fails at once. After the
        loop, ``result.damage`` says whether it ended early (the frames before the damage
        were still analysed). ``keep_frames=False`` keeps nothing per frame (long videos);
        ``embeddings`` adds the embedding descriptors to the summary; ``keep_series`` keeps
        the per-frame series that ``plot()`` draws.
        """
        from facemtl.video.summary import VideoSummary

        self.reader = VideoReader(path, fps=fps)
        return VideoResult(path, self.analyze_frames(self.reader), self.reader,
                           VideoSummary(embeddings=embeddings, keep_series=keep_series),
                           keep_frames=keep_frames)

    def analyze_frames(self, frames: Iterable[VideoFrame]) -> Iterator[FrameResult]:
        tracker = IouTracker(self.iou_threshold, self.max_missed)
        chunk: list[tuple[VideoFrame, list[TrackedDetection]]] = []
        timer = self.timer
        start = time.perf_counter()
        previous: np.ndarray | None = None
        detected_at = 0
        for frame in frames:
            start = timer.add("decode", start)
            if self.cropped:
                tracked = [TrackedDetection(1, True, whole_image_detection(frame.rgb))]
            else:
                tracked = None
                grey = cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2GRAY) \
                    if self.detect_every > 1 else None
                if previous is not None and frame.index - detected_at < self.detect_every:
                    tracked = self._follow(tracker, previous, grey)
                    start = timer.add("follow", start)
                if tracked is None:
                    detections = self.analyzer.detector.detect(frame.rgb)
                    start = timer.add("detect", start)
                    tracked = tracker.update(detections)
                    detected_at = frame.index
                    start = timer.add("track", start)
                previous = grey
            chunk.append((frame, tracked))
            if len(chunk) >= self.batch_frames:
                yield from self._predict_chunk(chunk)
                chunk = []
            start = time.perf_counter()
        if chunk:
            yield from self._predict_chunk(chunk)

    @staticmethod
    def _follow(tracker: IouTracker, previous: np.ndarray, grey: np.ndarray
                ) -> list[TrackedDetection] | None:
        """The visible faces followed into this frame, or None (detect now) when one of
        them is lost."""
        moved = {}
        for track in tracker.visible:
            followed = follow_face(previous, grey, track.last)
            if followed is None:
                return None
            moved[track.id] = followed
        return tracker.follow(moved)

    def _predict_chunk(self, chunk: list[tuple[VideoFrame, list[TrackedDetection]]]
                  ) -> Iterator[FrameResult]:
        start = time.perf_counter()
        crops = [self.analyzer.crop(frame.rgb, t.detection) for frame, tracked in chunk
                 for t in tracked]
        detections = [t.detection for _, tracked in chunk for t in tracked]
        faces = iter(self.analyzer.predict_faces(crops, detections))
        results = []
        for frame, tracked in chunk:
            found = tuple(TrackedFace(t.track, t.detected, next(faces)) for t in tracked)
            results.append(FrameResult(frame.index, frame.time_s, found, frame.rgb))
        self.timer.add("crop+model", start)
        yield from results


def frames_from_images(images: Iterable[np.ndarray], fps: float = 1.0) -> Iterator[VideoFrame]:
    """Wrap RGB images (e.g. a folder of frames) as a frame stream ``fps`` frames apart."""
    for index, rgb in enumerate(images):
        yield VideoFrame(index, index / fps, rgb)

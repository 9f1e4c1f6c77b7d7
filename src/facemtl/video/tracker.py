"""IoU tracking, as paper 1 does it: a face keeps its id while its box overlaps the previous
one; a face the detector misses keeps its previous box for up to ``max_missed`` frames
(those frames are marked ``detected=False``), after which its track ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facemtl.box import Box
from facemtl.detect.base import Detection


def iou_matrix(a: list[Box],
               b: list[Box]) -> np.ndarray:
    """Intersection over union of every (x, y, w, h) box in ``a`` with every one in ``b``."""
    if not a or not b:
        return np.zeros((len(a), len(b)), dtype=np.float64)
    boxes_a = np.asarray(a, dtype=np.float64)[:, None, :]
    boxes_b = np.asarray(b, dtype=np.float64)[None, :, :]
    x0 = np.maximum(boxes_a[..., 0], boxes_b[..., 0])
    y0 = np.maximum(boxes_a[..., 1], boxes_b[..., 1])
    x1 = np.minimum(boxes_a[..., 0] + boxes_a[..., 2], boxes_b[..., 0] + boxes_b[..., 2])
    y1 = np.minimum(boxes_a[..., 1] + boxes_a[..., 3], boxes_b[..., 1] + boxes_b[..., 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    union = boxes_a[..., 2] * boxes_a[..., 3] + boxes_b[..., 2] * boxes_b[..., 3] - inter
    return inter / np.maximum(union, 1e-9)


@dataclass(frozen=True)
class TrackedDetection:
    """A face in one frame with its track id; ``detected=False`` means the box was carried
    over from an earlier frame because the detector missed the face."""

    track: int
    detected: bool
    detection: Detection


@dataclass
class _Track:
    id: int
    last: Detection
    missed: int = 0


class IouTracker:
    """Greedy IoU association of each frame's detections to the live tracks.

    Pairs are taken best-IoU first (a face rarely moves far between frames, so this matches
    what the Hungarian algorithm would give without a SciPy dependency). Track ids start at
    1 and are never reused within a video.
    """

    def __init__(self, iou_threshold: float = 0.3, max_missed: int = 3) -> None:
        self.iou_threshold = iou_threshold
        self.max_missed = max_missed
        self.tracks: list[_Track] = []
        self.next_id = 1

    def update(self, detections: list[Detection]) -> list[TrackedDetection]:
        """Assign ids to this frame's detections; returns them plus carried-over boxes."""
        overlaps = iou_matrix([t.last.box for t in self.tracks], [d.box for d in detections])
        matched_tracks: set[int] = set()
        matched_detections: dict[int, int] = {}  # detection index -> track index
        if overlaps.size:
            for flat in np.argsort(-overlaps, axis=None):
                ti, di = np.unravel_index(flat, overlaps.shape)
                if overlaps[ti, di] < self.iou_threshold:
                    break
                if ti in matched_tracks or di in matched_detections:
                    continue
                matched_tracks.add(int(ti))
                matched_detections[int(di)] = int(ti)
        out: list[TrackedDetection] = []
        for di, detection in enumerate(detections):
            if di in matched_detections:
                track = self.tracks[matched_detections[di]]
                track.last, track.missed = detection, 0
            else:
                track = _Track(self.next_id, detection)
                self.next_id += 1
                self.tracks.append(track)
                matched_tracks.add(len(self.tracks) - 1)
            out.append(TrackedDetection(track.id, True, detection))
        survivors = []
        for index, track in enumerate(self.tracks):
            if index not in matched_tracks:
                track.missed += 1
                if track.missed > self.max_missed:
                    continue
                out.append(TrackedDetection(track.id, False, track.last))
            survivors.append(track)
        self.tracks = survivors
        return out

    def follow(self, moved: dict[int, Detection]) -> list[TrackedDetection]:
        """Between detections: the visible tracks' boxes, moved (by ``follow_face``), keyed
        by track id; marked ``detected=False`` since the detector did not see them."""
        out = []
        for track in self.tracks:
            if track.id in moved:
                track.last = moved[track.id]
                out.append(TrackedDetection(track.id, False, track.last))
        return out

    @property
    def visible(self) -> list[_Track]:
        """Tracks whose face the detector saw on its last run (none carried over)."""
        return [track for track in self.tracks if track.missed == 0]

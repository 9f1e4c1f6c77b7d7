"""From frames to a clip: paper 1's statistical descriptors and plain per-track summaries.

Everything is accumulated online (running mean/variance/min/max), so a summary of an hour
of video costs the same memory as one of ten seconds.

* Clip descriptor (one person): per-frame features -> concatenated mean, std, min, max
  over the frames -> L2-normalised.
* Group descriptor (VGAF): all faces of a frame -> mean and std over the faces -> mean and
  std of those over the frames -> L2-normalised.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from facemtl.results.face import Face
from facemtl.results.frame import FrameResult

#: What a face contributes to a descriptor.
FEATURES = ("scores", "embedding", "both")


def l2_normalise(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class RunningStats:
    """Mean, standard deviation (population), min and max of vectors seen one at a time
    (Welford's update, in float64)."""

    def __init__(self) -> None:
        self.count = 0
        self.mean: np.ndarray | None = None
        self._m2: np.ndarray | None = None
        self.min: np.ndarray | None = None
        self.max: np.ndarray | None = None

    def add(self, vector: np.ndarray) -> None:
        x = np.asarray(vector, dtype=np.float64).reshape(-1)
        if self.mean is None:
            self.count, self.mean = 1, x.copy()
            self._m2, self.min, self.max = np.zeros_like(x), x.copy(), x.copy()
            return
        self.count += 1
        delta = x - self.mean
        self.mean += delta / self.count
        self._m2 += delta * (x - self.mean)
        np.minimum(self.min, x, out=self.min)
        np.maximum(self.max, x, out=self.max)

    @property
    def std(self) -> np.ndarray:
        if self._m2 is None:
            raise ValueError("no values added")
        return np.sqrt(np.maximum(self._m2 / self.count, 0.0))

    def descriptor(self, parts: tuple[str, ...] = ("mean", "std", "min", "max")) -> np.ndarray:
        """The concatenated statistics, L2-normalised (paper 1's clip descriptor)."""
        if self.mean is None:
            raise ValueError("no values added")
        values = {"mean": self.mean, "std": self.std, "min": self.min, "max": self.max}
        return l2_normalise(np.concatenate([values[p] for p in parts])).astype(np.float32)


def face_features(face: Face, kind: str = "embedding") -> np.ndarray:
    """One face's feature vector: ``scores`` (emotion probabilities, plus valence and
    arousal when the model has them), ``embedding``, or ``both`` concatenated."""
    if kind not in FEATURES:
        raise ValueError(f"features must be one of {', '.join(FEATURES)}, not {kind!r}")
    parts = []
    if kind in ("scores", "both"):
        if face.emotion_probs is None:
            raise ValueError("the model has no trained expression head for score features")
        scores = list(face.emotion_probs.values())
        if face.valence is not None and face.arousal is not None:
            scores += [face.valence, face.arousal]
        parts.append(np.asarray(scores, dtype=np.float32))
    if kind in ("embedding", "both"):
        if face.embedding is None:
            raise ValueError("the model gives no embedding")
        parts.append(np.asarray(face.embedding, dtype=np.float32))
    return np.concatenate(parts)


class GroupStats:
    """Paper 1's group-level aggregation, online: per frame the mean and std over its faces,
    then mean and std of those per-frame vectors over the frames."""

    def __init__(self) -> None:
        self.frames = RunningStats()

    def add_frame(self, features: list[np.ndarray]) -> None:
        if not features:
            return  # a frame without faces says nothing about the group
        stacked = np.stack(features).astype(np.float64)
        self.frames.add(np.concatenate([stacked.mean(axis=0), stacked.std(axis=0)]))

    @property
    def count(self) -> int:
        return self.frames.count

    def descriptor(self) -> np.ndarray:
        return self.frames.descriptor(("mean", "std"))


def _rounded(values: np.ndarray | list[float], digits: int = 4) -> list[float]:
    return [round(float(v), digits) for v in values]


@dataclass
class Timeline:
    """Plain statistics of a set of faces over time (one track, or a whole video), and the
    per-frame series a plot needs when ``keep_series``."""

    keep_series: bool = False
    frames: int = 0
    detected_frames: int = 0
    first: tuple[int, float] | None = None
    last: tuple[int, float] | None = None
    emotions: list[str] | None = None
    probs: RunningStats = field(default_factory=RunningStats)
    dominant: Counter = field(default_factory=Counter)
    valence: RunningStats = field(default_factory=RunningStats)
    age: RunningStats = field(default_factory=RunningStats)
    female: RunningStats = field(default_factory=RunningStats)
    ethnicity: RunningStats = field(default_factory=RunningStats)
    ethnicities: list[str] | None = None
    scores: RunningStats = field(default_factory=RunningStats)
    embeddings: RunningStats | None = None
    series: dict[str, list] = field(default_factory=lambda: {"time_s": [], "probs": [],
                                                             "valence": [], "arousal": []})

    def add(self, frame: int, time_s: float, face: Face, detected: bool,
            embeddings: bool = False) -> None:
        self.frames += 1
        self.detected_frames += int(detected)
        self.first = self.first or (frame, time_s)
        self.last = (frame, time_s)
        if face.emotion_probs is not None:
            self.emotions = list(face.emotion_probs)
            self.probs.add(np.fromiter(face.emotion_probs.values(), dtype=np.float64))
            self.dominant[face.emotion] += 1
            self.scores.add(face_features(face, "scores"))
        if face.valence is not None and face.arousal is not None:
            self.valence.add(np.array([face.valence, face.arousal]))
        if face.age is not None:
            self.age.add(np.array([face.age]))
        if face.gender_prob is not None:
            self.female.add(np.array([face.gender_prob if face.gender == "female"
                                      else 1.0 - face.gender_prob]))
        if face.ethnicity_probs is not None:
            self.ethnicities = list(face.ethnicity_probs)
            self.ethnicity.add(np.fromiter(face.ethnicity_probs.values(), dtype=np.float64))
        if embeddings and face.embedding is not None:
            self.embeddings = self.embeddings or RunningStats()
            self.embeddings.add(face.embedding)
        if self.keep_series:
            self.series["time_s"].append(time_s)
            self.series["probs"].append(None if face.emotion_probs is None
                                        else list(face.emotion_probs.values()))
            self.series["valence"].append(face.valence)
            self.series["arousal"].append(face.arousal)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "frames": self.frames, "detected_frames": self.detected_frames,
            "first_frame": self.first[0] if self.first else None,
            "last_frame": self.last[0] if self.last else None,
            "first_s": round(self.first[1], 3) if self.first else None,
            "last_s": round(self.last[1], 3) if self.last else None,
        }
        if self.emotions and self.probs.mean is not None:
            mean = self.probs.mean
            out["dominant_emotion"] = self.emotions[int(np.argmax(mean))]
            out["mean_emotion_probs"] = dict(zip(self.emotions, _rounded(mean), strict=True))
            out["emotion_share"] = {e: round(self.dominant[e] / self.probs.count, 4)
                                    for e in self.emotions}
        if self.valence.mean is not None:
            out["mean_valence"], out["mean_arousal"] = _rounded(self.valence.mean)
        if self.age.mean is not None:
            out["mean_age"] = round(float(self.age.mean[0]), 1)
        if self.female.mean is not None:
            p_female = float(self.female.mean[0])
            out["gender"] = "female" if p_female >= 0.5 else "male"
            out["gender_prob"] = round(max(p_female, 1 - p_female), 4)
        if self.ethnicities and self.ethnicity.mean is not None:
            out["ethnicity"] = self.ethnicities[int(np.argmax(self.ethnicity.mean))]
        descriptors = {}
        if self.scores.mean is not None:
            descriptors["scores"] = _rounded(self.scores.descriptor(), 6)
        if self.embeddings is not None:
            descriptors["embedding"] = _rounded(self.embeddings.descriptor(), 6)
        if descriptors:
            out["descriptor"] = descriptors
        return out


class VideoSummary:
    """Per-track and per-video summaries of a stream of ``FrameResult``s.

    The video part pools every face of every frame; its ``group_descriptor`` follows the
    group-level recipe (faces -> frame -> video).
    """

    def __init__(self, embeddings: bool = False, keep_series: bool = False) -> None:
        self.embeddings = embeddings
        self.keep_series = keep_series
        self.tracks: dict[int, Timeline] = {}
        self.video = Timeline()
        self.group_scores = GroupStats()
        self.group_embeddings = GroupStats()
        self.frames = 0
        self.frames_with_faces = 0

    def add(self, result: FrameResult) -> None:
        self.frames += 1
        self.frames_with_faces += int(bool(result.faces))
        scores, embeddings = [], []
        for tracked in result.faces:
            face = tracked.face
            timeline = self.tracks.setdefault(tracked.track, Timeline(self.keep_series))
            timeline.add(result.frame, result.time_s, face, tracked.detected, self.embeddings)
            self.video.add(result.frame, result.time_s, face, tracked.detected, self.embeddings)
            if face.emotion_probs is not None:
                scores.append(face_features(face, "scores"))
            if self.embeddings and face.embedding is not None:
                embeddings.append(face.embedding)
        self.group_scores.add_frame(scores)
        self.group_embeddings.add_frame(embeddings)

    def to_dict(self) -> dict[str, Any]:
        video = self.video.to_dict()
        for key in ("frames", "detected_frames", "first_frame", "last_frame", "first_s",
                    "last_s"):
            video.pop(key)
        video["face_rows"] = self.video.frames
        group = {}
        if self.group_scores.count:
            group["scores"] = _rounded(self.group_scores.descriptor(), 6)
        if self.group_embeddings.count:
            group["embedding"] = _rounded(self.group_embeddings.descriptor(), 6)
        if group:
            video["group_descriptor"] = group
        return {"frames": self.frames, "frames_with_faces": self.frames_with_faces,
                "video": video,
                "tracks": [{"track": track, **timeline.to_dict()}
                           for track, timeline in sorted(self.tracks.items())]}

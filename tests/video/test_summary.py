"""Paper 1's descriptors and the plain per-track summaries, checked against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from facemtl.results.face import Face
from facemtl.results.frame import FrameResult, TrackedFace
from facemtl.video.summary import GroupStats, RunningStats, VideoSummary, face_features

EMOTIONS = ("anger", "happiness", "neutral")


def test_running_stats_match_numpy_and_descriptor_is_l2_normalised() -> None:
    x = np.random.default_rng(0).normal(size=(50, 7))
    stats = RunningStats()
    for row in x:
        stats.add(row)
    assert np.allclose(stats.mean, x.mean(0)) and np.allclose(stats.std, x.std(0))
    assert np.allclose(stats.min, x.min(0)) and np.allclose(stats.max, x.max(0))
    expected = np.concatenate([x.mean(0), x.std(0), x.min(0), x.max(0)])
    expected /= np.linalg.norm(expected)
    assert np.allclose(stats.descriptor(), expected, atol=1e-6)
    assert stats.descriptor().shape == (28,)


def test_group_descriptor_is_mean_std_over_faces_then_over_frames() -> None:
    rng = np.random.default_rng(1)
    frames = [rng.normal(size=(n, 4)) for n in (2, 5, 3)]
    group = GroupStats()
    for faces in frames:
        group.add_frame(list(faces))
    group.add_frame([])  # a frame without faces is skipped
    per_frame = np.stack([np.concatenate([f.mean(0), f.std(0)]) for f in frames])
    expected = np.concatenate([per_frame.mean(0), per_frame.std(0)])
    assert group.count == 3
    assert np.allclose(group.descriptor(), expected / np.linalg.norm(expected), atol=1e-6)


def face(emotion: str, box: float = 0.0, embedding: float = 1.0) -> Face:
    probs = {e: (0.8 if e == emotion else 0.1) for e in EMOTIONS}
    return Face(box=(box, 0, 10, 10), score=1.0, landmarks=(), emotion=emotion,
                emotion_probs=probs, age=30.0, gender="female", gender_prob=0.9,
                embedding=np.full(4, embedding, dtype=np.float32))


def test_face_features_kinds() -> None:
    f = face("happiness")
    assert face_features(f, "scores").tolist() == pytest.approx([0.1, 0.8, 0.1])
    assert face_features(f, "both").shape == (7,)
    with pytest.raises(ValueError):
        face_features(f, "pixels")


def test_video_summary_tracks_and_shares() -> None:
    summary = VideoSummary(embeddings=True, keep_series=True)
    emotions = ["happiness", "happiness", "neutral", "happiness"]
    for i, emotion in enumerate(emotions):
        faces = (TrackedFace(1, True, face(emotion)), TrackedFace(2, i != 2, face("anger", 50)))
        summary.add(FrameResult(i, i / 10, faces))
    summary.add(FrameResult(4, 0.4, ()))
    out = summary.to_dict()
    assert out["frames"] == 5 and out["frames_with_faces"] == 4
    one, two = out["tracks"]
    assert one["track"] == 1 and one["dominant_emotion"] == "happiness"
    assert one["emotion_share"] == {"anger": 0.0, "happiness": 0.75, "neutral": 0.25}
    assert two["dominant_emotion"] == "anger" and two["detected_frames"] == 3
    assert one["first_s"] == 0.0 and one["last_s"] == 0.3
    assert len(one["descriptor"]["scores"]) == 12 and len(one["descriptor"]["embedding"]) == 16
    assert out["video"]["face_rows"] == 8
    assert len(out["video"]["group_descriptor"]["scores"]) == 12
    assert summary.tracks[1].series["time_s"] == [0.0, 0.1, 0.2, 0.3]

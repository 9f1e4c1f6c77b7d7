"""Clips for clip-level classification: a video file, a single image (a one-frame clip, e.g.
a group photo) or a folder of frame images (e.g. a CK+ sequence), turned into paper 1's
descriptor plus what the no-training baselines need (mean probabilities, per-face votes).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from facemtl.errors import InputError
from facemtl.io.discover import IMAGE_EXTENSIONS
from facemtl.io.images import load_image
from facemtl.io.video import VideoFrame, VideoReader, is_video
from facemtl.results.frame import FrameResult
from facemtl.video.pipeline import VideoAnalyzer, frames_from_images
from facemtl.video.summary import GroupStats, RunningStats, face_features

#: ``clip``: one person per clip (the largest face of each frame); ``group``: all faces.
LEVELS = ("clip", "group")


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path


def find_clips(folder: str | Path) -> list[Clip]:
    """Every clip directly inside ``folder``: videos (by content), images, and sub-folders
    holding frame images. Names are the entries' names."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder of clips")
    clips = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix.lower() in IMAGE_EXTENSIONS or is_video(entry):
            clips.append(Clip(entry.name, entry))
    if not clips:
        raise InputError(f"{root}: holds no videos, images or frame folders")
    return clips


def clips_from_paths(paths: list[str | Path]) -> list[Clip]:
    """The clips named on a command line: a video, an image or a folder of frame images is
    one clip; any other folder holds clips (``find_clips``)."""
    clips: list[Clip] = []
    for argument in paths:
        path = Path(argument)
        holds_clips = path.is_dir() and not any(p.suffix.lower() in IMAGE_EXTENSIONS
                                                for p in path.iterdir())
        clips.extend(find_clips(path) if holds_clips else [Clip(path.name, path)])
    return clips


def clip_frames(clip: Clip, fps: float | None = None) -> Iterator[VideoFrame]:
    """The clip's frames in order; a folder's images sort by name."""
    if clip.path.is_dir():
        frames = sorted(p for p in clip.path.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS)
        if not frames:
            raise InputError(f"{clip.path}: folder holds no frame images")
        yield from frames_from_images(load_image(p) for p in frames)
    elif is_video(clip.path):
        reader = VideoReader(clip.path, fps=fps)
        yield from reader
        if reader.damage and reader.frames_decoded == 0:
            raise InputError(reader.damage)
    else:
        yield VideoFrame(0, 0.0, load_image(clip.path))


@dataclass(frozen=True)
class ClipFeatures:
    """A clip seen by the face model: the descriptor a classifier learns from, and the
    per-face expression probabilities summed two ways for the baselines."""

    name: str
    descriptor: np.ndarray
    mean_probs: np.ndarray  # mean over the faces used, per model emotion
    face_probs: np.ndarray  # (faces, emotions), for per-face voting
    emotions: tuple[str, ...]
    frames: int


def _faces_used(result: FrameResult, level: str) -> list:
    faces = [t.face for t in result.faces]
    if level == "clip" and faces:
        return [max(faces, key=lambda f: f.box.area)]
    return faces


def describe_clip(video: VideoAnalyzer, clip: Clip, features: str = "embedding",
                  level: str = "clip", fps: float | None = None) -> ClipFeatures:
    """Run the face pipeline over a clip and aggregate (clip: mean/std/min/max over frames;
    group: mean/std over faces, then over frames)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    stats, group = RunningStats(), GroupStats()
    probs: list[np.ndarray] = []
    emotions: tuple[str, ...] = ()
    frames = 0
    for result in video.analyze_frames(clip_frames(clip, fps)):
        frames += 1
        faces = _faces_used(result, level)
        vectors = [face_features(f, features) for f in faces]
        if level == "clip":
            for vector in vectors:
                stats.add(vector)
        else:
            group.add_frame(vectors)
        for face in faces:
            if face.emotion_probs is not None:
                emotions = tuple(face.emotion_probs)
                probs.append(np.fromiter(face.emotion_probs.values(), dtype=np.float64))
    if not probs:
        raise InputError(f"{clip.path}: no face found in {frames} frame(s)")
    descriptor = stats.descriptor() if level == "clip" else group.descriptor()
    face_probs = np.stack(probs)
    return ClipFeatures(clip.name, descriptor, face_probs.mean(axis=0), face_probs, emotions,
                        frames)


def read_labels(path: str | Path) -> dict[str, tuple[str, str | None]]:
    """``clip,label[,group]`` rows -> {clip: (label, group)}. ``group`` (a subject or
    scene id) keeps related clips on one side of a cross-validation split."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: labels file not found")
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"clip", "label"} <= set(reader.fieldnames):
            raise InputError(f"{path}: needs a header with columns clip,label[,group]")
        labels = {}
        for row in reader:
            labels[row["clip"]] = (row["label"], row.get("group") or None)
    if not labels:
        raise InputError(f"{path}: no rows")
    return labels


def label_of(clip: Clip, labels: dict[str, tuple[str, str | None]]
             ) -> tuple[str, str | None] | None:
    """A clip's label, found by its name or its name without the extension."""
    return labels.get(clip.name) or labels.get(clip.path.stem)

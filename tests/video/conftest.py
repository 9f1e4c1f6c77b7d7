"""Small real videos built from ../shared/media/single_face.mp4 (re-encoded, truncated)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from facemtl.io.video import VideoReader


@pytest.fixture(scope="session")
def single_face_frames(media: Path) -> list:
    """The clip's frames in BGR, ready for ``cv2.VideoWriter``."""
    return [np.ascontiguousarray(f.rgb[:, :, ::-1])
            for f in VideoReader(media / "single_face.mp4")]


def write_video(frames: list, path: Path, fourcc: str = "MJPG", fps: float = 30.0) -> Path:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (width, height))
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="session")
def truncated_avi(single_face_frames: list, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The clip as MJPEG AVI, cut at half its bytes: the first frames stay decodable."""
    folder = tmp_path_factory.mktemp("videos")
    full = write_video(single_face_frames, folder / "full.avi")
    data = full.read_bytes()
    cut = folder / "truncated.avi"
    cut.write_bytes(data[: len(data) // 2])
    return cut


@pytest.fixture(scope="session")
def truncated_mp4(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = (media / "single_face.mp4").read_bytes()
    cut = tmp_path_factory.mktemp("videos") / "truncated.mp4"
    cut.write_bytes(data[: len(data) // 2])
    return cut

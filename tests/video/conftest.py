"""Small real videos built from ../shared/media/single_face.mp4 (re-encoded, truncated)."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest


@pytest.fixture(scope="session")
def single_face_frames(media: Path) -> list:
    capture = cv2.VideoCapture(str(media / "single_face.mp4"))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    return frames


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

"""Video recognition by content, frame sampling, and damaged files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from facemtl.errors import InputError
from facemtl.io.video import VideoReader, is_video, video_container


def test_videos_are_recognised_by_content_not_name(media: Path, tmp_path: Path) -> None:
    assert video_container(media / "single_face.mp4") == "mp4/mov"
    assert video_container(media / "face_noface.mov") == "mp4/mov"
    assert not is_video(media / "single_face.jpg")
    renamed = shutil.copy(media / "single_face.mp4", tmp_path / "clip.dat")
    assert is_video(renamed)
    fake = shutil.copy(media / "single_face.jpg", tmp_path / "photo.mp4")
    assert not is_video(fake)


def test_avi_and_mkv_are_recognised(truncated_avi: Path) -> None:
    assert video_container(truncated_avi) == "avi"


def test_every_frame_and_sampled_frames(media: Path) -> None:
    every = list(VideoReader(media / "single_face.mp4"))
    assert [f.index for f in every] == list(range(72))
    assert every[30].time_s == pytest.approx(1.0)
    assert every[0].rgb.shape == (360, 640, 3)
    sampled = list(VideoReader(media / "single_face.mp4", fps=5))
    assert [f.index for f in sampled] == list(range(0, 72, 6))


def test_stopping_early_does_not_hang(media: Path) -> None:
    reader = VideoReader(media / "noface_face.mov")
    for frame in reader:
        if frame.index == 3:
            break
    assert reader.frames_decoded < 169


def test_truncated_file_yields_the_frames_before_the_damage(truncated_avi: Path) -> None:
    reader = VideoReader(truncated_avi)
    frames = list(reader)
    assert 10 < len(frames) < 72
    assert reader.damage and "truncated" in reader.damage and str(truncated_avi) in reader.damage


def test_truncated_mp4_without_index_is_a_clear_error(truncated_mp4: Path) -> None:
    with pytest.raises(InputError, match="moov"):
        VideoReader(truncated_mp4)


def test_bad_arguments(media: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        VideoReader(tmp_path / "missing.mp4")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        VideoReader(empty)
    with pytest.raises(InputError, match="fps"):
        VideoReader(media / "single_face.mp4", fps=0)

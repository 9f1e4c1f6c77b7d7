"""The detection schedule: following faces between detections keeps them, with their ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from facemtl import FaceAnalyzer, VideoAnalyzer
from facemtl.cli.main import main
from facemtl.video.tracker import iou_matrix


@pytest.fixture(scope="module")
def analyzer() -> FaceAnalyzer:
    return FaceAnalyzer(model="fast")


def boxes_and_flags(analyzer: FaceAnalyzer, path: Path, every: int) -> list[list]:
    video = VideoAnalyzer(analyzer, detect_every=every)
    return [[(t.face.box, t.detected, t.track) for t in frame.faces]
            for frame in video.analyze(path, keep_frames=False)]


def test_followed_faces_match_the_every_frame_detector(analyzer: FaceAnalyzer,
                                                       media: Path) -> None:
    path = media / "single_face.mp4"
    every_frame = boxes_and_flags(analyzer, path, 1)
    followed = boxes_and_flags(analyzer, path, 4)
    assert len(followed) == len(every_frame) == 72
    for index, (expected, got) in enumerate(zip(every_frame, followed, strict=True)):
        assert len(got) == 1 and got[0][2] == 1  # one face, one track throughout
        assert iou_matrix([expected[0][0]], [got[0][0]])[0, 0] > 0.85, index
        assert got[0][1] == (index % 4 == 0)  # detected on every 4th frame, followed between


def test_sampled_frames_far_apart_are_all_detected(analyzer: FaceAnalyzer,
                                                   media: Path) -> None:
    video = VideoAnalyzer(analyzer, detect_every=4)
    frames = list(video.analyze(media / "single_face.mp4", fps=5, keep_frames=False))
    assert all(t.detected for frame in frames for t in frame.faces)  # 6 source frames apart


def test_schedule_option_is_checked(media: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(ValueError):
        VideoAnalyzer(FaceAnalyzer(model="fast"), detect_every=0)
    with pytest.raises(SystemExit):
        main(["analyze", str(media / "single_face.mp4"), "--detect-every", "0"])
    assert "--detect-every" in capsys.readouterr().err

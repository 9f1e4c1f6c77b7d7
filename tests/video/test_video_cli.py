"""``facemtl analyze VIDEO`` and ``facemtl video train|predict|evaluate`` on real media."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import cv2
import pytest

from facemtl.cli.main import main


def rows_of(capsys: pytest.CaptureFixture) -> tuple[list[dict], str]:
    out = capsys.readouterr()
    return [json.loads(line) for line in out.out.splitlines()], out.err


def test_video_rows_tracks_and_every_output(media: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("pyarrow")
    out = {k: tmp_path / v for k, v in (("csv", "r.csv"), ("parquet", "r.parquet"),
                                         ("annotate", "a.mp4"), ("plot", "p.png"),
                                         ("summary", "s.json"))}
    code = main(["analyze", str(media / "single_face.mp4"), "--fps", "5", "-q",
                 *[x for k, v in out.items() for x in (f"--{k}", str(v))]])
    rows, err = rows_of(capsys)
    assert code == 0, err
    assert [r["frame"] for r in rows] == list(range(0, 72, 6))
    assert {r["track"] for r in rows} == {1} and all(r["detected"] for r in rows)
    assert rows[6]["time_s"] == pytest.approx(1.2)
    with out["csv"].open() as handle:
        assert len(list(csv.DictReader(handle))) == 12
    import pyarrow.parquet as pq

    assert pq.read_table(out["parquet"]).num_rows == 12
    capture = cv2.VideoCapture(str(out["annotate"]))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    assert cv2.imread(str(out["plot"])) is not None
    (summary,) = json.loads(out["summary"].read_text())
    assert summary["frames"] == 12 and summary["tracks"][0]["frames"] == 12
    assert summary["tracks"][0]["dominant_emotion"] == summary["video"]["dominant_emotion"]
    assert len(summary["tracks"][0]["descriptor"]["scores"]) == 32
    assert not list(tmp_path.glob(".*partial*"))


def test_face_leaving_the_video(media: Path, capsys: pytest.CaptureFixture) -> None:
    # every frame detected, to see the tracker's carry-over rule on its own
    assert main(["analyze", str(media / "face_noface.mov"), "--fps", "10", "-q",
                 "--detect-every", "1"]) == 0
    rows, _ = rows_of(capsys)
    with_face = [r for r in rows if r["face"] is not None]
    without = [r for r in rows if r["face"] is None]
    assert with_face and without and without[-1]["frame"] > with_face[-1]["frame"]
    assert {r["track"] for r in with_face} == {1}
    # After the face leaves, its last box is carried for up to 3 frames, marked undetected.
    carried = [r for r in with_face if not r["detected"]]
    assert 1 <= len(carried) <= 3
    assert all(r["track"] is None and r["emotion"] is None for r in without)


def test_video_without_faces(media: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["analyze", str(media / "no_face.mp4"), "--fps", "4", "-q"]) == 0
    rows, _ = rows_of(capsys)
    assert rows and all(r["face"] is None for r in rows)


def test_damaged_videos_do_not_stop_the_batch(media: Path, truncated_avi: Path,
                                              truncated_mp4: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture) -> None:
    garbage = tmp_path / "garbage.mov"
    garbage.write_bytes(b"\x00\x00\x00\x14ftypqt  " + bytes(200))
    summary = tmp_path / "s.json"
    code = main(["analyze", str(truncated_mp4), str(garbage), str(truncated_avi),
                 str(media / "single_face.jpg"), "--fps", "10", "-q", "--summary", str(summary)])
    rows, err = rows_of(capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert any(str(truncated_mp4) in line and "moov" in line for line in lines)
    assert any(str(garbage) in line for line in lines)
    assert any(str(truncated_avi) in line and "frames before it" in line for line in lines)
    assert "Traceback" not in err
    files = {r["file"] for r in rows}
    assert files == {str(truncated_avi), str(media / "single_face.jpg")}
    assert 3 <= sum(r["file"] == str(truncated_avi) for r in rows) < 24
    assert json.loads(summary.read_text())[0]["damage"]


@pytest.fixture(scope="module")
def ck_clips(ckplus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """CK+ sequences of two classes as clip folders (3 frames each) with subject groups."""
    root = tmp_path_factory.mktemp("ck")
    rows = set()
    for label in ("happy", "surprise"):
        for frame in sorted((ckplus_dir / label).iterdir())[:60]:
            subject, sequence, _ = re.match(r"(S\d+)_(\d+)_(\d+)", frame.name).groups()
            clip = root / "clips" / f"{subject}_{sequence}"
            clip.mkdir(parents=True, exist_ok=True)
            (clip / frame.name).write_bytes(frame.read_bytes())
            rows.add(f"{clip.name},{label},{subject}\n")
    (root / "labels.csv").write_text("clip,label,group\n" + "".join(sorted(rows)))
    return root / "clips", root / "labels.csv"


def test_clip_classifier_train_predict_evaluate(ck_clips: tuple[Path, Path], tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    pytest.importorskip("sklearn")
    clips, labels = ck_clips
    result = tmp_path / "cv.json"
    assert main(["video", "evaluate", "--clips", str(clips), "--labels", str(labels),
                 "--cropped", "--folds", "3", "--classifier", "linear_svc", "-q",
                 "--json", str(result)]) == 0
    cv = json.loads(result.read_text())
    assert cv["clips"] == 40 and cv["split"].startswith("group-independent")
    assert cv["methods"]["linear_svc"]["accuracy"] >= 0.9  # happy vs surprise is easy
    assert set(cv["methods"]) == {"frame_average", "face_vote", "linear_svc"}
    card = tmp_path / "clf.json"
    assert main(["video", "train", "--clips", str(clips), "--labels", str(labels),
                 "--cropped", "-q", "--out", str(card)]) == 0
    capsys.readouterr()
    some = sorted(clips.iterdir())[:4]
    assert main(["video", "predict", "--classifier", str(card), "-q", *map(str, some)]) == 0
    predicted, _ = rows_of(capsys)
    truth = dict(line.split(",")[:2] for line in labels.read_text().splitlines()[1:])
    assert [p["label"] for p in predicted] == [truth[c.name] for c in some]
    # A classifier file that does not match its card is refused, in one line.
    card.with_suffix(".joblib").write_bytes(b"tampered")
    assert main(["video", "predict", "--classifier", str(card), "-q", str(some[0])]) == 2
    assert "SHA-256" in capsys.readouterr().err


def test_group_and_clip_levels_on_a_group_photo(media: Path, analyzer) -> None:
    import numpy as np

    from facemtl.video import VideoAnalyzer
    from facemtl.video.clips import Clip, describe_clip

    video = VideoAnalyzer(analyzer)
    photo = Clip("multi_face.jpg", media / "multi_face.jpg")
    group = describe_clip(video, photo, "scores", "group")
    single = describe_clip(video, photo, "scores", "clip")
    assert group.face_probs.shape == (5, 8) and single.face_probs.shape == (1, 8)
    assert group.descriptor.shape == (32,) and single.descriptor.shape == (32,)
    assert np.linalg.norm(group.descriptor) == pytest.approx(1.0, abs=1e-5)
    assert not np.allclose(group.descriptor, single.descriptor)

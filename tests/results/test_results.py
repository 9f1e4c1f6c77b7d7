"""Results a user can hold: Face equality, ImageResult (sequence, rows, JSON, DataFrame,
pictures) and VideoResult, on real photos and videos."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from facemtl import Face, ImageResult
from facemtl.box import Box
from facemtl.results import FIELDS, flatten


def test_box_views_and_tuple_behaviour():
    box = Box.from_xyxy(10, 20, 110, 220)
    assert box == (10, 20, 100, 200) and box.xywh == (10, 20, 100, 200)
    assert box.xyxy == (10, 20, 110, 220) and box.area == 20000
    x, y, w, h = box
    assert (x, y, w, h) == (10, 20, 100, 200) and np.asarray([box]).shape == (1, 4)
    assert box.scaled(0.5, 2).xywh == (5, 40, 50, 400)


def test_faces_compare_by_value_and_hash(media, analyzer):
    """Before: `==` raised on the embedding array and `hash()` on the dicts."""
    first = analyzer.analyze(media / "single_face.jpg")[0]
    again = analyzer.analyze(media / "single_face.jpg")[0]
    assert first == again and hash(first) == hash(again) and len({first, again}) == 1
    other = analyzer.analyze(media / "multi_face.jpg")[0]
    assert first != other
    changed = Face(**{**first.__dict__, "embedding": first.embedding * 0.5})
    assert changed != first  # the embedding takes part in equality
    assert first != "not a face"


def test_image_result_is_the_sequence_it_was(media, analyzer):
    result = analyzer.analyze(media / "multi_face.jpg")
    assert isinstance(result, ImageResult) and len(result) == 5
    assert [f for f in result] == list(result.faces) and result[0] is result.faces[0]
    assert result[:2] == result.faces[:2]
    assert result.path == str(media / "multi_face.jpg") and result.image_size == (1000, 667)
    assert set(result.timings) == {"detect_ms", "model_ms"}
    assert all(v > 0 for v in result.timings.values())
    assert analyzer.analyze(media / "free-mountain-vector-01.jpg") == []


def test_rows_json_and_dataframe_match_the_cli_csv(media, analyzer, tmp_path):
    """One row definition: to_dicts() is the CLI's JSON lines, to_df() its CSV columns."""
    path = media / "multi_face.jpg"
    result = analyzer.analyze(path)
    rows = result.to_dicts()
    assert [r["face"] for r in rows] == [0, 1, 2, 3, 4]
    assert tuple(rows[0])[2:] == FIELDS and rows[0]["file"] == str(path)
    assert json.loads(result.to_json()) == rows
    out = subprocess.run([sys.executable, "-m", "facemtl", "analyze", str(path), "--csv",
                          str(tmp_path / "rows.csv")], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert [json.loads(line) for line in out.stdout.splitlines()] == rows
    frame = result.to_df()
    with (tmp_path / "rows.csv").open() as handle:
        table = list(csv.DictReader(handle))
    assert list(frame.columns) == list(table[0]) == list(flatten(rows[0]))
    assert len(frame) == 5 and frame["emotion"].tolist() == [r["emotion"] for r in table]
    assert frame["box_w"].tolist() == [int(r["box_w"]) for r in table]
    empty = analyzer.analyze(media / "free-mountain-vector-01.jpg").to_df()
    assert len(empty) == 1 and empty["face"].isna().all()  # the "no face" row
    with_embedding = result.to_df(embedding=True)
    assert len(json.loads(with_embedding["embedding"][0])) == result[0].embedding.shape[0]


def test_plot_and_save_draw_the_faces(media, analyzer, tmp_path):
    import cv2

    result = analyzer.analyze(media / "multi_face.jpg")
    picture = result.plot()
    assert picture.shape == result.image.shape and picture.dtype == np.uint8
    x, y, w, h = (int(round(v)) for v in result[0].box)
    assert not np.array_equal(picture[y, x:x + w], result.image[y, x:x + w])  # a box is drawn
    assert np.array_equal(picture[0, 0], result.image[0, 0])  # the rest is the photo, in RGB
    saved = result.save(tmp_path / "out.png")
    assert np.array_equal(cv2.imread(str(saved))[:, :, ::-1], picture)
    assert not list(tmp_path.glob("*.partial*"))


def test_to_df_without_pandas_says_what_to_install(media):
    code = ("import sys; sys.modules['pandas'] = None\n"
            "from facemtl import FaceAnalyzer\n"
            f"FaceAnalyzer().analyze({str(media / 'single_face.jpg')!r}).to_df()")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode != 0 and "to_df() needs pandas (pip install pandas)" in out.stderr


def test_video_result_streams_and_tabulates(media, analyzer):
    from facemtl import VideoAnalyzer

    result = VideoAnalyzer(analyzer).analyze(media / "single_face.mp4", fps=5)
    streamed = [frame.to_dicts(result.path) for frame in result]
    rows = result.to_dicts()
    assert rows == [row for frame in streamed for row in frame] and len(rows) >= 5
    assert all(frame.image is None for frame in result.frames)  # pixels are not kept
    frame = result.to_df()
    assert len(frame) == len(rows) and {"frame", "time_s", "track", "detected"} <= set(frame)
    assert result.report()["frames"] == len(result.frames) and result.damage is None
    with pytest.raises(RuntimeError, match="streams once"):
        list(result)
    lazy = VideoAnalyzer(analyzer).analyze(media / "single_face.mp4", fps=5)
    assert lazy.to_dicts() == rows  # tabulating an unread result reads it first


def test_video_result_saves_the_annotated_video(media, analyzer, tmp_path):
    import cv2

    from facemtl import VideoAnalyzer

    result = VideoAnalyzer(analyzer).analyze(media / "single_face.mp4", fps=5)
    saved = result.save(tmp_path / "out.mp4")
    capture = cv2.VideoCapture(str(saved))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == len(result.frames) >= 5
    capture.release()
    assert result.to_df()["track"].notna().all() and not list(tmp_path.glob("*partial*"))
    with pytest.raises(RuntimeError, match="save\\(\\) must come before"):
        result.save(tmp_path / "again.mp4")

"""IoU tracking: stable ids, 3-frame carry-over of missed faces, new ids after that."""

from __future__ import annotations

import numpy as np

from facemtl.detect.base import Detection
from facemtl.video.tracker import IouTracker, iou_matrix


def det(x: float, y: float, size: float = 100) -> Detection:
    return Detection((x, y, size, size), 0.99, ())


def test_iou_matrix_values() -> None:
    m = iou_matrix([(0, 0, 10, 10)], [(0, 0, 10, 10), (5, 0, 10, 10), (20, 20, 5, 5)])
    assert np.allclose(m, [[1.0, 50 / 150, 0.0]])
    assert iou_matrix([], [(0, 0, 1, 1)]).shape == (0, 1)


def test_two_people_keep_their_ids_while_moving() -> None:
    tracker = IouTracker()
    first = tracker.update([det(0, 0), det(300, 0)])
    ids = {t.detection.box[0]: t.track for t in first}
    # Both move 10 px per frame; detections come in a different order each time.
    for step in range(1, 20):
        found = tracker.update([det(300 + 10 * step, 0), det(10 * step, 0)])
        by_x = {round(t.detection.box[0]) - 10 * step: t.track for t in found}
        assert by_x == {0: ids[0], 300: ids[300]}
        assert all(t.detected for t in found)


def test_missed_face_keeps_its_box_for_three_frames_then_ends() -> None:
    tracker = IouTracker(max_missed=3)
    (start,) = tracker.update([det(50, 50)])
    for _ in range(3):
        (carried,) = tracker.update([])
        assert carried.track == start.track and not carried.detected
        assert carried.detection.box == start.detection.box
    assert tracker.update([]) == []  # fourth miss: the track is over
    (again,) = tracker.update([det(50, 50)])
    assert again.track != start.track and again.detected


def test_reappearing_within_three_frames_keeps_the_id() -> None:
    tracker = IouTracker()
    (start,) = tracker.update([det(50, 50)])
    tracker.update([])
    tracker.update([])
    (back,) = tracker.update([det(55, 52)])
    assert back.track == start.track and back.detected


def test_far_jump_is_a_new_person() -> None:
    tracker = IouTracker()
    (a,) = tracker.update([det(0, 0)])
    found = tracker.update([det(500, 300)])
    new = [t for t in found if t.detected]
    assert len(new) == 1 and new[0].track != a.track

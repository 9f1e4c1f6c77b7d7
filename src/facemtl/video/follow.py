"""Following a face between detections with sparse optical flow, so that the detector (most
of a video frame's cost) need not run on every frame.

Corners inside the face box are tracked from the previous frame to this one with pyramidal
Lucas-Kanade (OpenCV), kept only where tracking them back lands within a pixel of where they
started; the box moves by their median displacement and scales by the median change of their
spread. Too few reliable points means the face is lost, and the caller detects again.
"""

from __future__ import annotations

import cv2
import numpy as np

from facemtl.box import Box
from facemtl.detect.base import Detection

#: Context around the box used for the flow (a fraction of the box side).
MARGIN = 0.5
MIN_POINTS = 6
MAX_BACK_ERROR_PX = 1.0
_LK = {"winSize": (15, 15), "maxLevel": 2,
       "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 20, 0.03)}


def follow_face(previous: np.ndarray, current: np.ndarray, detection: Detection
                ) -> Detection | None:
    """``detection`` (a box in the grey frame ``previous``) moved to the grey frame
    ``current``, or None when the face cannot be followed reliably."""
    x, y, w, h = detection.box
    height, width = previous.shape
    x0, y0 = max(0, int(x - MARGIN * w)), max(0, int(y - MARGIN * h))
    x1, y1 = min(width, int(x + w + MARGIN * w) + 1), min(height, int(y + h + MARGIN * h) + 1)
    if x1 - x0 < 16 or y1 - y0 < 16:
        return None
    before, after = previous[y0:y1, x0:x1], current[y0:y1, x0:x1]
    mask = np.zeros_like(before)
    bx0, by0 = int(x) - x0, int(y) - y0
    mask[max(0, by0):max(0, by0 + int(h)), max(0, bx0):max(0, bx0 + int(w))] = 255
    points = cv2.goodFeaturesToTrack(before, maxCorners=40, qualityLevel=0.01,
                                     minDistance=max(3, int(min(w, h) / 12)), mask=mask)
    if points is None or len(points) < MIN_POINTS:
        return None
    moved, found, _ = cv2.calcOpticalFlowPyrLK(before, after, points, None, **_LK)
    back, found_back, _ = cv2.calcOpticalFlowPyrLK(after, before, moved, None, **_LK)
    good = (found[:, 0] == 1) & (found_back[:, 0] == 1) & (
        np.linalg.norm(back - points, axis=2)[:, 0] < MAX_BACK_ERROR_PX)
    if good.sum() < MIN_POINTS:
        return None
    start, end = points[good, 0], moved[good, 0]
    shift = np.median(end - start, axis=0)
    spread_before = np.linalg.norm(start - start.mean(0), axis=1)
    spread_after = np.linalg.norm(end - end.mean(0), axis=1)
    scale = float(np.clip(np.median(spread_after / np.maximum(spread_before, 1e-6)), 0.8, 1.25))
    cx, cy = x + w / 2 + shift[0], y + h / 2 + shift[1]
    # clipped to the frame, as the detector's boxes are for a face leaving it
    left, top = max(0.0, cx - w * scale / 2), max(0.0, cy - h * scale / 2)
    right, bottom = min(float(width), cx + w * scale / 2), min(float(height), cy + h * scale / 2)
    if right - left < 8 or bottom - top < 8:
        return None
    box = Box(float(left), float(top), float(right - left), float(bottom - top))
    centre = np.array([x + w / 2, y + h / 2])
    landmarks = tuple((float(px), float(py)) for px, py in (
        (np.asarray(detection.landmarks) - centre) * scale + centre + shift)) \
        if detection.landmarks else detection.landmarks
    return Detection(box, detection.score, landmarks)

from __future__ import annotations

import numpy as np

from facemtl.align import align_face, tight_crop


def test_tight_crop_clips_to_the_image():
    image = np.arange(100 * 80 * 3, dtype=np.uint8).reshape(100, 80, 3)
    assert tight_crop(image, (10, 20, 30, 40)).shape == (40, 30, 3)
    assert tight_crop(image, (-10, -10, 30, 30)).shape == (20, 20, 3)
    assert tight_crop(image, (70, 90, 50, 50)).shape == (10, 10, 3)
    assert tight_crop(image, (200, 200, 5, 5)).shape[:2] == (1, 1)


def test_alignment_is_deterministic_and_sized(media, analyzer):
    from facemtl.io import load_image

    image = load_image(media / "single_face.jpg")
    detection = analyzer.detector.detect(image)[0]
    a = align_face(image, np.array(detection.landmarks), size=96)
    b = align_face(image, np.array(detection.landmarks), size=96)
    assert a.shape == (96, 96, 3) and np.array_equal(a, b)

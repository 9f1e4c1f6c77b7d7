from __future__ import annotations

import numpy as np
import pytest

from facemtl.runtime.decode import decode_age


def test_top2_expectation_renormalises_the_two_best_bins():
    probs = np.zeros((1, 100))
    probs[0, 30], probs[0, 40], probs[0, 90] = 0.3, 0.1, 0.05
    # top-2 are 30 (0.3) and 40 (0.1): (30*0.3 + 40*0.1) / 0.4 = 32.5
    assert decode_age(probs, "top2")[0] == pytest.approx(32.5)
    assert decode_age(probs, "argmax")[0] == 30
    assert decode_age(probs, "expectation")[0] == pytest.approx((9 + 4 + 4.5) / 0.45)


def test_unknown_decoder_is_refused():
    with pytest.raises(ValueError):
        decode_age(np.ones((1, 100)) / 100, "median")

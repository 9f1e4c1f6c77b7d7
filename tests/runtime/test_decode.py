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


def test_logit_adjustment_divides_by_the_train_share_to_the_power_tau():
    from facemtl.runtime.decode import adjust_expression

    probs = np.array([[0.6, 0.3, 0.1]])
    shares = np.array([0.5, 0.4, 0.1])
    # tau 1: 0.6/0.5 = 1.2, 0.3/0.4 = 0.75, 0.1/0.1 = 1.0 -> normalised by 2.95
    assert adjust_expression(probs, shares, 1.0)[0] == pytest.approx([1.2 / 2.95, 0.75 / 2.95,
                                                                     1.0 / 2.95])
    # tau 0.5: the rare class's odds grow by sqrt(5) against the common one's
    half = adjust_expression(probs, shares, 0.5)[0]
    assert half[2] / half[0] == pytest.approx((0.1 / 0.6) * np.sqrt(5))
    assert adjust_expression(probs, shares, 0.0) is probs  # no adjustment: untouched
    assert adjust_expression(probs, (), 0.7) is probs

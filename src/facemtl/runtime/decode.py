"""Turning head outputs into answers: shared by the runtime and by training's validation."""

from __future__ import annotations

import numpy as np

AGE_DECODERS = ("top2", "expectation", "argmax", "regression")


def decode_age(probs: np.ndarray, method: str = "top2") -> np.ndarray:
    """Ages in years from (N, bins) probabilities over one-year bins starting at 0.

    ``top2`` is paper 1's decoder: the expectation over the two most probable bins, with
    their probabilities renormalised. ``expectation`` uses all bins; ``argmax`` the mode.
    A regression head's single output is already in years (``regression``).
    """
    probs = np.asarray(probs, dtype=np.float64)
    if method == "regression" or probs.shape[1] == 1:  # a regression head outputs years
        return probs[:, 0]
    ages = np.arange(probs.shape[1], dtype=np.float64)
    if method == "expectation":
        return probs @ ages / np.maximum(probs.sum(axis=1), 1e-12)
    if method == "argmax":
        return probs.argmax(axis=1).astype(np.float64)
    if method == "top2":
        top = np.argsort(probs, axis=1)[:, -2:]
        weights = np.take_along_axis(probs, top, axis=1)
        return (weights * top).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12)
    raise ValueError(f"unknown age decoder {method!r}; choose from {AGE_DECODERS}")


def decode_gender(scores: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class indices (0 = the card's first gender label, 1 = the second) from the head's
    sigmoid score P(second), called at ``threshold`` (the card's; paper 1's app used 0.6)."""
    return (np.asarray(scores).reshape(-1) >= threshold).astype(np.int64)


def adjust_expression(probs: np.ndarray, train_shares: np.ndarray | tuple[float, ...] | None,
                      tau: float = 0.0) -> np.ndarray:
    """Logit adjustment (Menon et al., ICLR 2021): each class's probability divided by its
    share of the training data raised to ``tau``, renormalised. A model trained on skewed data
    needs less evidence to name a rare class this way; ``tau = 0`` (or no shares) changes
    nothing. Classes with a zero probability (masked out) stay at zero."""
    if train_shares is None or len(train_shares) == 0 or tau == 0.0:
        return probs
    probs = np.asarray(probs, dtype=np.float64)
    adjusted = probs * np.power(np.maximum(np.asarray(train_shares, np.float64), 1e-12), -tau)
    return adjusted / np.maximum(adjusted.sum(axis=1, keepdims=True), 1e-300)

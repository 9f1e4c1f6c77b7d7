"""Metrics reported by validation, ``facemtl evaluate`` and the model card (NumPy only)."""

from __future__ import annotations

import numpy as np

from facemtl.labels import MISSING


def classification_metrics(labels: np.ndarray, predicted: np.ndarray,
                           names: tuple[str, ...] | list[str]) -> dict[str, object]:
    """Accuracy, macro-F1 over classes present in ``labels``, per-class recall, confusion."""
    labels = np.asarray(labels)
    predicted = np.asarray(predicted)
    keep = labels != MISSING
    labels, predicted = labels[keep], predicted[keep]
    k = len(names)
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    support = confusion.sum(axis=1)
    predicted_count = confusion.sum(axis=0)
    correct = np.diag(confusion)
    recall = np.divide(correct, support, out=np.zeros(k), where=support > 0)
    precision = np.divide(correct, predicted_count, out=np.zeros(k), where=predicted_count > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(k),
                   where=(precision + recall) > 0)
    present = support > 0
    return {
        "n": int(keep.sum()),
        "accuracy": float(correct.sum() / max(1, len(labels))),
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "per_class_recall": {n: round(float(r), 4) for n, r, p in zip(names, recall, present,
                                                                        strict=True) if p},
        "confusion": confusion.tolist(),
    }


def age_metrics(ages: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Mean absolute error in years over samples with an age label."""
    ages = np.asarray(ages, dtype=np.float64)
    keep = ages != MISSING
    errors = np.abs(ages[keep] - np.asarray(predicted, dtype=np.float64)[keep])
    return {"n": int(keep.sum()), "mae": float(errors.mean()) if keep.any() else float("nan")}

"""Scoring a model's head outputs against labelled arrays.

Training's validation and ``facemtl evaluate`` (ONNX runtime) both call ``score_outputs``,
so the numbers a checkpoint reports and the numbers the card reports are computed alike.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from facemtl.data.arrays import FaceArrays
from facemtl.labels import EMOTIONS, ETHNICITIES, GENDERS, MISSING
from facemtl.metrics import age_metrics, classification_metrics
from facemtl.runtime.decode import decode_age, decode_gender

#: A function from a uint8 (N, H, W, 3) RGB batch of crops to head outputs (probabilities).
PredictFn = Callable[[np.ndarray], dict[str, np.ndarray]]


def predict_arrays(predict: PredictFn, arrays: FaceArrays, batch_size: int = 256
                   ) -> dict[str, np.ndarray]:
    """Run ``predict`` over all crops in batches and concatenate each head's outputs."""
    chunks: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(arrays), batch_size):
        for name, value in predict(arrays.images[start:start + batch_size]).items():
            chunks.setdefault(name, []).append(value)
    return {name: np.concatenate(parts) for name, parts in chunks.items()}


def score_outputs(arrays: FaceArrays, outputs: dict[str, np.ndarray], age_decoder: str = "top2",
                  gender_threshold: float = 0.5, emotions: tuple[str, ...] = EMOTIONS
                  ) -> dict[str, dict]:
    """Metrics for each head that has labels in ``arrays``."""
    metrics: dict[str, dict] = {}
    has_expression = arrays.labelled("expression")
    if has_expression.any():
        labels = np.where(has_expression, arrays.expression.argmax(axis=1), MISSING)
        metrics["expression"] = classification_metrics(
            labels, outputs["expression"].argmax(axis=1), emotions)
    if arrays.labelled("age").any():
        metrics["age"] = age_metrics(arrays.age, decode_age(outputs["age"], age_decoder))
    if arrays.labelled("gender").any():
        predicted = decode_gender(outputs["gender"], gender_threshold)
        metrics["gender"] = classification_metrics(arrays.gender, predicted, GENDERS)
    if arrays.labelled("ethnicity").any():
        metrics["ethnicity"] = classification_metrics(
            arrays.ethnicity, outputs["ethnicity"].argmax(axis=1), ETHNICITIES)
    if "identity" in outputs and arrays.labelled("identity").any():
        keep = arrays.labelled("identity")
        metrics["identity"] = {"n": int(keep.sum()), "accuracy": float(np.mean(
            outputs["identity"][keep].argmax(axis=1) == arrays.identity[keep]))}
    return metrics


def selection_score(metrics: dict[str, dict]) -> float:
    """One number to pick the best epoch: the mean of expression, gender and ethnicity
    accuracy and (1 - age MAE / 20 years), over the heads that were measured."""
    parts = [metrics[h]["accuracy"] for h in ("expression", "gender", "ethnicity", "identity")
             if h in metrics]
    if "age" in metrics:
        parts.append(max(0.0, 1.0 - metrics["age"]["mae"] / 20.0))
    return float(np.mean(parts)) if parts else 0.0


def summary_line(metrics: dict[str, dict]) -> str:
    """Compact one-line summary for logs and progress bars."""
    bits = []
    if "expression" in metrics:
        bits.append(f"expr acc {metrics['expression']['accuracy']:.4f} "
                    f"F1 {metrics['expression']['macro_f1']:.4f}")
    if "age" in metrics:
        bits.append(f"age MAE {metrics['age']['mae']:.2f}")
    if "gender" in metrics:
        bits.append(f"gender {metrics['gender']['accuracy']:.4f}")
    if "ethnicity" in metrics:
        bits.append(f"ethnicity {metrics['ethnicity']['accuracy']:.4f}")
    if "identity" in metrics:
        bits.append(f"identity {metrics['identity']['accuracy']:.4f}")
    return ", ".join(bits)


def brief_metrics(metrics: dict[str, dict]) -> dict[str, float]:
    """One number per head (age MAE, else accuracy), for the per-epoch history."""
    return {head: round(values["mae"] if head == "age" else values["accuracy"], 4)
            for head, values in metrics.items()}

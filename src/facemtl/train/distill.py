"""Distillation from an exported teacher model: its head outputs on the training crops become
soft targets for every head of every face.

Why: the bundled network is trained on data sets that each label only some heads (FER+ has
expressions, UTKFace age, gender and ethnicity). A teacher that answers every head gives each
face the labels its data set lacks (cross-task pseudo-labels) and, where a label exists, the
teacher's softer view of it. The teacher runs once, on the un-augmented crops, through the
ONNX runtime (its outputs are what ``facemtl analyze`` would compute before decoding), and
its answers are cached beside the run so a resumed run does not pay for them again.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from facemtl.data.arrays import FaceArrays
from facemtl.io.atomic import atomic_path
from facemtl.scoring import predict_arrays

#: The heads a teacher is distilled into (identity and valence/arousal are not).
DISTILLED_HEADS: tuple[str, ...] = ("expression", "age", "gender", "ethnicity")


def teacher_targets(teacher: str, arrays: FaceArrays, cache: Path, threads: int = 0
                    ) -> dict[str, np.ndarray]:
    """The teacher's probabilities for every crop of ``arrays`` (float32, one row per crop),
    read from ``cache`` when it was written by the same teacher for the same crops."""
    from facemtl.runtime.card import ModelCard
    from facemtl.runtime.model import FaceModel
    from facemtl.runtime.registry import resolve_model

    card = ModelCard.load(resolve_model(teacher))  # the card alone keys the cache: a resumed
    key = {"teacher_sha256": card.sha256, "n": len(arrays),  # run opens no ONNX session
           "images_sum": int(arrays.images.sum(dtype=np.int64))}
    if cache.exists():
        with np.load(cache) as stored:
            if json.loads(str(stored["key"])) == key:
                return {head: stored[head] for head in DISTILLED_HEADS}
    missing = [h for h in DISTILLED_HEADS if not card.trained(h)]
    if missing:
        raise ValueError(f"{card.path}: the teacher's {', '.join(missing)} head(s) "
                         "were never trained, so they cannot teach")
    model = FaceModel(card, threads=threads)
    outputs = predict_arrays(lambda batch: model.predict(list(batch)), arrays, 256)
    targets = {head: outputs[head].astype(np.float32).reshape(len(arrays), -1)
               for head in DISTILLED_HEADS}
    targets["gender"] = targets["gender"][:, 0]
    cache.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(cache) as partial, partial.open("wb") as handle:
        np.savez(handle, key=json.dumps(key), **targets)
    return targets


def distillation_loss(outputs: dict[str, torch.Tensor], teacher: dict[str, torch.Tensor]
                      ) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean KL divergence from the teacher's distribution to the student's, per head, summed
    over the heads (zero exactly when the student answers as the teacher does).

    ``outputs`` are the student's raw outputs (logits); ``teacher`` holds probabilities:
    (B, classes) for expression, age bins and ethnicity, (B,) for P(second gender)."""
    parts: dict[str, torch.Tensor] = {}
    for head in ("expression", "age", "ethnicity"):
        target = teacher[head].float()
        log_student = F.log_softmax(outputs[head].float(), dim=1)
        parts[head] = F.kl_div(log_student, target, reduction="batchmean")
    p = teacher["gender"].float().clamp(1e-6, 1 - 1e-6)
    logits = outputs["gender"].float().reshape(p.shape)
    entropy = -(p * p.log() + (1 - p) * (1 - p).log())
    parts["gender"] = (F.binary_cross_entropy_with_logits(logits, p, reduction="none")
                       - entropy).mean()
    total = sum(parts.values(), start=outputs["expression"].new_zeros(()).float())
    return total, {f"teacher_{name}": float(value.detach()) for name, value in parts.items()}

"""Masked multi-task loss: a sample contributes only to the heads it has labels for.

This is what lets data sets with different labels (FER+ expressions, UTKFace attributes)
train one network in shared batches.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from facemtl.labels import AGE_BINS, MISSING
from facemtl.models.multitask import AGE_SCALE


def _mean_or_zero(values: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    return values.mean() if values.numel() else reference.sum() * 0.0


def ccc_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - concordance correlation coefficient (paper 1's valence/arousal loss)."""
    pm, tm = predicted.mean(), target.mean()
    covariance = ((predicted - pm) * (target - tm)).mean()
    ccc = 2 * covariance / (predicted.var(unbiased=False) + target.var(unbiased=False)
                            + (pm - tm) ** 2 + 1e-8)
    return 1 - ccc


def identity_loss(logits: torch.Tensor, labels: torch.Tensor,
                  arcface: tuple[float, float] | None = None) -> torch.Tensor:
    """Cross-entropy over identities; with ``arcface`` = (s, m) the logits are cosines and
    the true class's angle is widened by m before scaling by s (ArcFace)."""
    if arcface is None:
        return F.cross_entropy(logits, labels)
    scale, margin = arcface
    cosine = logits.clamp(-1 + 1e-7, 1 - 1e-7)
    target = torch.cos(torch.acos(cosine.gather(1, labels[:, None])) + margin)
    adjusted = cosine.scatter(1, labels[:, None], target)
    return F.cross_entropy(scale * adjusted, labels)


def multitask_loss(outputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor],
                   class_weights: torch.Tensor | None = None, label_smoothing: float = 0.0,
                   weights: dict[str, float] | None = None,
                   arcface: tuple[float, float] | None = None
                   ) -> tuple[torch.Tensor, dict[str, float]]:
    """Sum of per-head losses, each averaged over the samples that carry its label.

    Expression targets are distributions (one-hot or FER+ vote shares); ``class_weights``
    (1/count, normalised) reweight each sample by its majority class. ``arcface`` is
    (scale, margin) when the identity head gives cosines (ArcFace); else its logits are plain.
    """
    weights = weights or {}
    parts: dict[str, torch.Tensor] = {}
    logits = outputs["expression"]
    target = batch["expression"]
    has = target.sum(dim=1) > 0
    if has.any():
        t = target[has]
        if label_smoothing:
            t = t * (1 - label_smoothing) + label_smoothing / t.shape[1]
        per_sample = -(t * F.log_softmax(logits[has].float(), dim=1)).sum(dim=1)
        if class_weights is not None:
            w = class_weights[target[has].argmax(dim=1)]
            per_sample = per_sample * w / w.mean()
        parts["expression"] = per_sample.mean()
    age = batch["age"].long()
    has = age != MISSING
    if has.any():
        logits_age = outputs["age"][has].float()
        if logits_age.shape[1] == 1:  # regression head: predicts age / AGE_SCALE
            parts["age"] = F.smooth_l1_loss(logits_age[:, 0], age[has].float() / AGE_SCALE,
                                            beta=0.02)
        else:
            parts["age"] = F.cross_entropy(logits_age, age[has].clamp(0, AGE_BINS - 1))
    gender = batch["gender"].long()
    has = gender != MISSING
    if has.any():
        parts["gender"] = F.binary_cross_entropy_with_logits(outputs["gender"][has].float(),
                                                             gender[has].float())
    ethnicity = batch["ethnicity"].long()
    has = ethnicity != MISSING
    if has.any():
        parts["ethnicity"] = F.cross_entropy(outputs["ethnicity"][has].float(), ethnicity[has])
    if "identity" in outputs and "identity" in batch:
        identity = batch["identity"].long()
        has = identity != MISSING
        if has.any():
            parts["identity"] = identity_loss(outputs["identity"][has].float(), identity[has],
                                              arcface)
    va = outputs["valence_arousal"].float()
    for column, name in enumerate(("valence", "arousal")):
        has = ~torch.isnan(batch[name])
        if has.sum() > 1:
            parts[name] = ccc_loss(va[has, column], batch[name][has])
    total = sum((weights.get(name, 1.0) * value for name, value in parts.items()),
                start=_mean_or_zero(logits.new_zeros(0), logits))
    return total, {name: float(value.detach()) for name, value in parts.items()}

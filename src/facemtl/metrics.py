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


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random positive outscores a random
    negative (Mann-Whitney U from average ranks, ties counted half)."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(average, counts)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def best_threshold_accuracy(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """The highest accuracy of "same person if score >= t" over all t, and that t."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    order = np.argsort(-scores, kind="mergesort")
    s, p = scores[order], positive[order]
    # accepting the first k pairs: true accepts + true rejects of the rest
    correct = np.concatenate([[(~p).sum()], np.cumsum(p) + (~p).sum() - np.cumsum(~p)])
    cut = np.flatnonzero(np.r_[True, s[1:] != s[:-1], True])  # only between distinct scores
    k = cut[np.argmax(correct[cut])]
    threshold = float(s[k - 1]) if k > 0 else float(s[0] + 1e-6)
    return float(correct[k] / len(s)), threshold


def verification_metrics(embeddings: np.ndarray, people: np.ndarray, groups: np.ndarray,
                         seed: int = 0) -> dict[str, float]:
    """Face verification and identification from L2-normalised embeddings.

    Pairs are all same-person pairs of images from different ``groups`` (a group is one
    recording, such as a CK+ sequence, whose frames are near-duplicates; a lone photo is its
    own group) and as many different-person pairs, drawn with ``seed``.
    Reports ROC AUC of cosine similarity for same/different person, the accuracy at the best
    threshold, and rank-1 identification (each image's nearest neighbour outside its group,
    over images whose person has another group to be found in).
    """
    embeddings = np.asarray(embeddings, dtype=np.float64)
    # a new array: the caller's embeddings are left as they were
    embeddings = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    similarity = embeddings @ embeddings.T
    people, groups = np.asarray(people), np.asarray(groups)
    same_group = groups[:, None] == groups[None, :]
    upper = np.triu(np.ones_like(same_group), k=1) & ~same_group
    i, j = np.nonzero(upper)
    positive = people[i] == people[j]
    # balanced pairs, as in LFW's protocol: every positive pair and as many negatives (seeded)
    negatives = np.flatnonzero(~positive)
    if positive.sum() < len(negatives):
        negatives = np.random.default_rng(seed).choice(negatives, int(positive.sum()),
                                                       replace=False)
    pairs = np.sort(np.concatenate([np.flatnonzero(positive), negatives]))
    i, j, positive = i[pairs], j[pairs], positive[pairs]
    scores = similarity[i, j]
    accuracy, threshold = best_threshold_accuracy(scores, positive)
    masked = np.where(same_group, -np.inf, similarity)
    nearest = masked.argmax(axis=1)
    findable = ((people[:, None] == people[None, :]) & ~same_group).any(axis=1)
    rank1 = float(np.mean(people[nearest][findable] == people[findable])) \
        if findable.any() else float("nan")
    return {"images": len(people), "people": int(len(np.unique(people))),
            "pairs": int(len(scores)), "positive_pairs": int(positive.sum()),
            "roc_auc": roc_auc(scores, positive), "accuracy": accuracy,
            "threshold": threshold, "rank1": rank1, "rank1_queries": int(findable.sum())}


#: Age groups for bias figures: decades, with 70 and over pooled (few faces there).
AGE_GROUPS: tuple[tuple[int, int], ...] = tuple((a, a + 9) for a in range(0, 70, 10)) + ((70, 200),)


def age_group_name(low: int, high: int) -> str:
    return f"{low}+" if high >= 200 else f"{low}-{high}"


def breakdown(arrays_age: np.ndarray, arrays_gender: np.ndarray, arrays_ethnicity: np.ndarray,
              predicted_age: np.ndarray, predicted_gender: np.ndarray,
              predicted_ethnicity: np.ndarray, ethnicities: tuple[str, ...] | list[str]
              ) -> dict[str, dict[str, dict[str, float]]]:
    """Bias figures on a labelled attribute set: age MAE per age group (decade), gender and
    ethnicity accuracy per true ethnicity and per age group, each with its sample count."""
    age = np.asarray(arrays_age, np.int64)
    gender = np.asarray(arrays_gender, np.int64)
    ethnicity = np.asarray(arrays_ethnicity, np.int64)

    def cell(mask: np.ndarray, correct: np.ndarray | None = None,
             error: np.ndarray | None = None) -> dict[str, float]:
        n = int(mask.sum())
        if error is not None:
            return {"n": n, "mae": float(error[mask].mean()) if n else float("nan")}
        return {"n": n, "accuracy": float(correct[mask].mean()) if n else float("nan")}

    has_age, has_gender, has_eth = age != MISSING, gender != MISSING, ethnicity != MISSING
    error = np.abs(np.asarray(predicted_age, np.float64) - age)
    gender_ok = np.asarray(predicted_gender) == gender
    eth_ok = np.asarray(predicted_ethnicity) == ethnicity
    groups = {age_group_name(lo, hi): has_age & (age >= lo) & (age <= hi) for lo, hi in AGE_GROUPS}
    races = {name: ethnicity == i for i, name in enumerate(ethnicities)}
    return {
        "age_mae_by_age_group": {g: cell(m & has_age, error=error) for g, m in groups.items()},
        "age_mae_by_ethnicity": {r: cell(m & has_age, error=error) for r, m in races.items()},
        "gender_accuracy_by_ethnicity": {r: cell(m & has_gender, gender_ok)
                                         for r, m in races.items()},
        "gender_accuracy_by_age_group": {g: cell(m & has_gender, gender_ok)
                                         for g, m in groups.items()},
        "ethnicity_accuracy_by_age_group": {g: cell(m & has_eth, eth_ok)
                                            for g, m in groups.items()},
        "ethnicity_accuracy_by_gender": {name: cell((gender == i) & has_eth, eth_ok)
                                         for i, name in enumerate(("male", "female"))},
    }

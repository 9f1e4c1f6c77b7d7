"""Clip classifiers on paper 1's descriptors (LinearSVC, RBF SVC, random forest), saved with
a card, and their evaluation against two baselines that need no training: the average of
the model's per-face expression probabilities, and a majority vote of the faces.

scikit-learn is imported lazily: it comes with the ``video`` (or ``train``) extra.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from facemtl.errors import ModelError
from facemtl.io.atomic import atomic_path, write_json
from facemtl.runtime.card import sha256_of
from facemtl.video.clips import ClipFeatures

CLASSIFIERS = ("linear_svc", "rbf_svc", "random_forest")
FORMAT = "facemtl-clip-classifier/1"

#: How the model's emotions map onto clip labels for the baselines. ``identity`` maps each
#: emotion to itself (with common spellings: happy, sad, angry, ...); ``valence3`` is the
#: positive/neutral/negative grouping used for group-level emotion (surprise is left out:
#: its valence is ambiguous).
LABEL_MAPS: dict[str, dict[str, str]] = {
    "identity": {},
    "valence3": {"happiness": "positive", "neutral": "neutral", "anger": "negative",
                 "contempt": "negative", "disgust": "negative", "fear": "negative",
                 "sadness": "negative"},
}
_ALIASES = {"happy": "happiness", "sad": "sadness", "angry": "anger", "surprised": "surprise",
            "disgusted": "disgust", "fearful": "fear", "scared": "fear"}


def build_classifier(kind: str, seed: int = 0) -> Any:
    """A fresh scikit-learn estimator: the paper's choices with their default settings."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.svm import SVC, LinearSVC

    if kind == "linear_svc":
        return LinearSVC(C=1.0, max_iter=20000, random_state=seed)
    if kind == "rbf_svc":
        return SVC(kernel="rbf", C=1.0, gamma="scale", random_state=seed)
    if kind == "random_forest":
        return RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=-1)
    raise ValueError(f"classifier must be one of {', '.join(CLASSIFIERS)}, not {kind!r}")


def baseline_predictions(clips: Sequence[ClipFeatures], labels: Sequence[str],
                         label_map: str = "identity") -> dict[str, list[str]]:
    """Predictions without training. ``frame_average``: the label whose emotions have the
    largest mean probability over the clip's faces; ``face_vote``: each face votes for its
    most probable label, the majority wins (ties go to the larger mean probability).
    Only labels present in ``labels`` compete (as when scoring CK+'s 7 classes)."""
    classes = sorted(set(labels))
    mapping = LABEL_MAPS[label_map]
    emotions = clips[0].emotions
    matrix = np.zeros((len(emotions), len(classes)))
    for i, emotion in enumerate(emotions):
        target = mapping.get(emotion, emotion) if mapping else emotion
        for j, name in enumerate(classes):
            if (_ALIASES.get(name, name) if not mapping else name) == target:
                matrix[i, j] = 1.0
    if not matrix.any():
        raise ValueError(f"no clip label ({', '.join(classes)}) matches a model emotion "
                         f"under --label-map {label_map}")
    average, vote = [], []
    for clip in clips:
        mean = clip.mean_probs @ matrix
        average.append(classes[int(np.argmax(mean))])
        counts = np.bincount(np.argmax(clip.face_probs @ matrix, axis=1),
                             minlength=len(classes)).astype(float)
        vote.append(classes[int(np.argmax(counts + 1e-6 * mean))])
    return {"frame_average": average, "face_vote": vote}


def cross_validate(clips: Sequence[ClipFeatures], labels: Sequence[str],
                   groups: Sequence[str | None], kinds: Sequence[str], folds: int = 10,
                   seed: int = 0, label_map: str | None = "identity") -> dict[str, Any]:
    """k-fold cross-validation of each classifier on the same folds. Folds keep a group's
    clips together (subject- or scene-independent) when every clip has a group."""
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    x = np.stack([c.descriptor for c in clips])
    y = np.asarray(labels)
    grouped = all(g is not None for g in groups)
    if grouped:
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        splits = list(splitter.split(x, y, np.asarray(groups)))
    else:
        splits = list(StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(x, y))
    classes = sorted(set(labels))
    methods: dict[str, dict[str, Any]] = {}

    def score(name: str, predicted: np.ndarray, fold_accuracies: list[float] | None) -> None:
        entry: dict[str, Any] = {"accuracy": round(float(np.mean(predicted == y)), 4)}
        if fold_accuracies is not None:
            entry["fold_mean"] = round(float(np.mean(fold_accuracies)), 4)
            entry["fold_std"] = round(float(np.std(fold_accuracies)), 4)
        entry["confusion"] = confusion_matrix(y, predicted, labels=classes).tolist()
        methods[name] = entry

    if label_map is not None:
        for name, predicted in baseline_predictions(clips, labels, label_map).items():
            score(name, np.asarray(predicted), None)
    for kind in kinds:
        predicted = np.empty(len(y), dtype=object)
        accuracies = []
        for train, test in splits:
            model = build_classifier(kind, seed).fit(x[train], y[train])
            predicted[test] = model.predict(x[test])
            accuracies.append(float(np.mean(predicted[test] == y[test])))
        score(kind, predicted.astype(str), accuracies)
    return {"clips": len(y), "classes": classes,
            "per_class": {c: int(np.sum(y == c)) for c in classes},
            "folds": folds, "split": "group-independent (StratifiedGroupKFold)" if grouped
            else "clip-level (StratifiedKFold; no group column)",
            "groups": len(set(groups)) if grouped else None, "seed": seed,
            "descriptor_dim": int(x.shape[1]), "methods": methods}


class ClipClassifier:
    """A fitted classifier plus the card saying how its descriptors were made, so that
    ``predict`` rebuilds them the same way (same face model, features, level)."""

    def __init__(self, estimator: Any, card: dict[str, Any]) -> None:
        self.estimator = estimator
        self.card = card

    @classmethod
    def fit(cls, clips: Sequence[ClipFeatures], labels: Sequence[str], kind: str,
            card: dict[str, Any], seed: int = 0) -> ClipClassifier:
        x = np.stack([c.descriptor for c in clips])
        estimator = build_classifier(kind, seed).fit(x, np.asarray(labels))
        classes = sorted(set(labels))
        card = {"format": FORMAT, "classifier": kind, "labels": classes,
                "descriptor_dim": int(x.shape[1]),
                "trained_on": {"clips": len(labels),
                               "per_class": {c: list(labels).count(c) for c in classes}},
                **card}
        return cls(estimator, card)

    def predict(self, clips: Sequence[ClipFeatures]) -> list[str]:
        x = np.stack([c.descriptor for c in clips])
        if x.shape[1] != self.card["descriptor_dim"]:
            raise ModelError(f"descriptor has {x.shape[1]} values; the classifier expects "
                             f"{self.card['descriptor_dim']}")
        return [str(p) for p in self.estimator.predict(x)]

    def save(self, path: str | Path) -> Path:
        """Write ``NAME.joblib`` and its card ``NAME.json`` (with the SHA-256 of the first)."""
        import joblib
        import sklearn

        card_path = Path(path).with_suffix(".json")
        weights = card_path.with_suffix(".joblib")
        with atomic_path(weights) as partial:
            joblib.dump(self.estimator, partial)
        card = {**self.card, "sklearn": sklearn.__version__, "file": weights.name,
                "sha256": sha256_of(weights)}
        write_json(card_path, card)
        return card_path

    @classmethod
    def load(cls, path: str | Path) -> ClipClassifier:
        """Load from the card; the weights must match its SHA-256 (joblib files are pickles,
        so only a file the card vouches for is unpickled)."""
        import joblib

        card_path = Path(path).with_suffix(".json")
        if not card_path.is_file():
            raise ModelError(f"{card_path}: classifier card not found")
        card = json.loads(card_path.read_text())
        if card.get("format") != FORMAT:
            raise ModelError(f"{card_path}: not a facemtl clip classifier card")
        weights = card_path.with_name(card["file"])
        if not weights.is_file():
            raise ModelError(f"{weights}: classifier file not found")
        if sha256_of(weights) != card["sha256"]:
            raise ModelError(f"{weights}: SHA-256 does not match its card")
        return cls(joblib.load(weights), card)


"""``evaluate()``: a bundled or exported model's metrics on a labelled data set split,
through the ONNX runtime (no torch), with the crops training used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from facemtl.data.arrays import build_arrays
from facemtl.data.cache import dataset_face_finder, read_samples
from facemtl.data.folders import read_identities, recording_of
from facemtl.labels import EMOTIONS
from facemtl.metrics import breakdown, verification_metrics
from facemtl.runtime.decode import decode_age
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import DEFAULT_MODEL
from facemtl.scoring import predict_arrays, score_outputs

#: What each data set can measure and which split names it has.
SPLITS = {"ferplus": ("train", "valid", "test"), "utkface": ("train", "valid", "test"),
          "ckplus": ("all",), "identity": ("all", "test", "valid", "train")}


def evaluate(dataset: str, data_dir: str | Path, split: str = "test",
             model: str | Path | FaceModel = DEFAULT_MODEL, threads: int = 0,
             progress: bool = True) -> dict[str, Any]:
    """Metrics of ``model`` on one split. FER+ uses majority-vote labels (images whose
    majority is unknown/not-a-face dropped). CK+48 has no neutral class, so its prediction
    is the most probable of its own 7 classes."""
    if dataset not in SPLITS:
        raise ValueError(f"unknown dataset {dataset!r}; choose from {', '.join(SPLITS)}")
    if split not in SPLITS[dataset]:
        raise ValueError(f"{dataset} has splits {', '.join(SPLITS[dataset])}, not {split!r}")
    face_model = model if isinstance(model, FaceModel) else FaceModel.load(model, threads)
    if dataset == "identity":
        return evaluate_identity(data_dir, split, face_model, threads, progress)
    samples = read_samples(dataset, data_dir, split, ferplus_mode="majority")
    arrays = build_arrays(samples, face_model.input_size,
                          detect=dataset_face_finder(samples, threads), progress=progress)
    outputs = predict_arrays(lambda batch: face_model.predict(list(batch)), arrays, 128)
    names = tuple(face_model.card.labels("expression"))
    if dataset == "ckplus" and "expression" in outputs:
        present = arrays.expression.sum(axis=0) > 0
        outputs["expression"] = np.where(present, outputs["expression"], 0.0)
    age_decoder = face_model.card.output("age").get("decoder", "top2")
    threshold = float(face_model.card.output("gender").get("threshold", 0.5))
    metrics = score_outputs(arrays, outputs, age_decoder=age_decoder,
                            gender_threshold=threshold, emotions=names or EMOTIONS)
    trained = [h for h in metrics if face_model.card.trained(h)]
    result = {"model": face_model.card.name, "dataset": dataset, "split": split,
              "n": len(arrays), "metrics": {h: metrics[h] for h in trained}}
    if all(face_model.card.trained(h) and arrays.labelled(h).any()
           for h in ("age", "gender", "ethnicity")):
        result["breakdown"] = breakdown(
            arrays.age, arrays.gender, arrays.ethnicity, decode_age(outputs["age"], age_decoder),
            (outputs["gender"].reshape(-1) >= threshold).astype(np.int64),
            outputs["ethnicity"].argmax(axis=1), face_model.card.labels("ethnicity"))
    return result


def evaluate_identity(data_dir: str | Path, split: str, face_model: FaceModel, threads: int = 0,
                      progress: bool = True) -> dict[str, Any]:
    """Verification (pairs: ROC AUC, accuracy at the best threshold) and rank-1
    identification with the model's embedding, on a ``PERSON/image`` folder or on CK+48's
    subjects. ``test`` is the people an identity pre-training run held out; ``all`` everyone.
    Frames of one CK+ sequence are never paired with each other (near-duplicates)."""
    samples = read_identities(data_dir, split)
    arrays = build_arrays(samples, face_model.input_size,
                          detect=dataset_face_finder(samples, threads), progress=progress)
    outputs = predict_arrays(lambda batch: face_model.predict(list(batch)), arrays, 128)
    metrics = verification_metrics(outputs["embedding"], np.array([s.subject for s in samples]),
                                   np.array([recording_of(s.path) for s in samples]))
    return {"model": face_model.card.name, "dataset": "identity", "split": split,
            "n": len(samples), "metrics": {"identity": metrics}}

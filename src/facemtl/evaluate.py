"""``evaluate()``: a bundled or exported model's metrics on a labelled data set split,
through the ONNX runtime (no torch), with the crops training used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from facemtl.data.arrays import build_arrays
from facemtl.data.cache import dataset_face_finder, read_samples
from facemtl.labels import EMOTIONS
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import DEFAULT_MODEL
from facemtl.scoring import predict_arrays, score_outputs

#: What each data set can measure and which split names it has.
SPLITS = {"ferplus": ("train", "valid", "test"), "utkface": ("train", "valid", "test"),
          "ckplus": ("all",)}


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
    samples = read_samples(dataset, data_dir, split, ferplus_mode="majority")
    arrays = build_arrays(samples, face_model.input_size,
                          detect=dataset_face_finder(samples, threads), progress=progress)
    outputs = predict_arrays(lambda batch: face_model.predict(list(batch)), arrays, 128)
    names = tuple(face_model.card.labels("expression"))
    if dataset == "ckplus" and "expression" in outputs:
        present = arrays.expression.sum(axis=0) > 0
        outputs["expression"] = np.where(present, outputs["expression"], 0.0)
    age_decoder = face_model.card.output("age").get("decoder", "top2")
    metrics = score_outputs(arrays, outputs, age_decoder=age_decoder,
                            emotions=names or EMOTIONS)
    trained = [h for h in metrics if face_model.card.trained(h)]
    return {"model": face_model.card.name, "dataset": dataset, "split": split,
            "n": len(arrays), "metrics": {h: metrics[h] for h in trained}}

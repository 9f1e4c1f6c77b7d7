"""``evaluate()``: a bundled or exported model's metrics on a labelled data set split,
through the ONNX runtime (no torch), with the crops training used; ``record_metrics()``
writes a result into the model's card with the command that reproduces it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import numpy as np

from facemtl.data.arrays import FaceArrays, build_arrays
from facemtl.data.cache import dataset_face_finder, read_samples
from facemtl.data.folders import recording_of
from facemtl.data.registry import get_dataset
from facemtl.data.samples import Sample
from facemtl.errors import FacemtlError
from facemtl.labels import EMOTIONS
from facemtl.metrics import breakdown, verification_metrics
from facemtl.runtime.decode import decode_age, decode_gender
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import DEFAULT_MODEL, WEIGHTS_DIR
from facemtl.scoring import predict_arrays, score_outputs

#: Data sets ``evaluate`` measures (those with labels a bundled model's heads predict).
EVALUATED = ("ferplus", "utkface", "ckplus", "identity")


def evaluate(dataset: str, data_dir: str | Path, split: str | None = None,
             model: str | Path | FaceModel = DEFAULT_MODEL, threads: int = 0,
             progress: bool = True, framing: str | None = None) -> dict[str, Any]:
    """Metrics of ``model`` on one split (default: the data set's test split, or all of a
    data set that has none). FER+ uses majority-vote labels (images whose majority is
    unknown/not-a-face dropped). CK+48 has no neutral class, so its prediction is the most
    probable of its own 7 classes. Expression answers follow the card's logit adjustment, as
    the runtime's do. ``framing`` (default: the card's, the one the model
    was trained on) is ``detector`` (faces re-found and cut as ``analyze`` cuts them) or
    ``dataset`` (the data set's own crops)."""
    if dataset not in EVALUATED:
        raise FacemtlError(f"cannot evaluate on {dataset!r}; choose from {', '.join(EVALUATED)}")
    spec = get_dataset(dataset)
    split = split or spec.default_split
    face_model = model if isinstance(model, FaceModel) else FaceModel.load(model, threads)
    framing = framing or face_model.card.input.framing
    samples, arrays, outputs = model_outputs(face_model, dataset, data_dir, split, framing,
                                             threads, progress)
    header = {"model": face_model.card.name, "dataset": dataset, "split": split,
              "framing": framing, "n": len(arrays),
              # answers made with another adjustment than the card's say with which
              **({} if face_model.adjusted_as_card else {"tau": face_model.tau})}
    if dataset == "identity":
        metrics = verification_metrics(outputs["embedding"],
                                       np.array([s.subject for s in samples]),
                                       np.array([recording_of(s.path) for s in samples]))
        return {**header, "metrics": {"identity": metrics}}
    card = face_model.card
    if "expression" in outputs:  # as the runtime answers: with the card's logit adjustment
        outputs["expression"] = face_model.expression_answer(outputs["expression"])
    if dataset == "ckplus" and "expression" in outputs:
        outputs["expression"] = only_present_classes(outputs["expression"], arrays)
    age, gender = card.head("age"), card.head("gender")
    metrics = score_outputs(arrays, outputs, age_decoder=age.decoder,
                            gender_threshold=gender.threshold,
                            emotions=card.head("expression").labels or EMOTIONS)
    result = {**header, "metrics": {h: m for h, m in metrics.items() if card.trained(h)}}
    if all(card.trained(h) and arrays.labelled(h).any() for h in ("age", "gender", "ethnicity")):
        result["breakdown"] = breakdown(
            arrays.age, arrays.gender, arrays.ethnicity, decode_age(outputs["age"], age.decoder),
            decode_gender(outputs["gender"], gender.threshold),
            outputs["ethnicity"].argmax(axis=1), card.labels("ethnicity"))
    return result


def model_outputs(face_model: FaceModel, dataset: str, data_dir: str | Path, split: str,
                  framing: str, threads: int = 0, progress: bool = True
                  ) -> tuple[list[Sample], FaceArrays, dict[str, np.ndarray]]:
    """The samples of one split (FER+: majority labels), their crops cut as ``framing`` says
    at the model's input size, and the network's raw head outputs for them."""
    samples = read_samples(dataset, data_dir, split, ferplus_mode="majority", framing=framing)
    arrays = build_arrays(samples, face_model.input_size,
                          detect=dataset_face_finder(samples, threads), progress=progress)
    outputs = predict_arrays(lambda batch: face_model.predict(list(batch)), arrays, 128)
    return samples, arrays, outputs


def only_present_classes(probabilities: np.ndarray, arrays: FaceArrays) -> np.ndarray:
    """Probabilities with the classes that no face of ``arrays`` is labelled with set to 0,
    so the prediction is the most probable of the set's own classes (CK+48 has no neutral)."""
    return np.where(arrays.expression.sum(axis=0) > 0, probabilities, 0.0)


def evaluate_command(dataset: str, data_dir: str | Path, split: str, model: str,
                     framing: str | None = None) -> str:
    """The shell command that reproduces one evaluation (recorded in cards)."""
    extra = ["--framing", framing] if framing else []
    return "facemtl evaluate " + shlex.join(["--dataset", dataset, "--data", str(data_dir),
                                             "--split", split, "--model", model, *extra])


def record_metrics(model: FaceModel, result: dict[str, Any], data_dir: str | Path,
                   model_argument: str | None = None) -> Path:
    """Write ``result`` into the model's card under ``metrics["DATASET/SPLIT"]``, with the
    command that reproduces it.

    A bundled card is only written from a source checkout (how the bundled figures are
    made); inside an installed package it is refused: export a copy and evaluate that."""
    card = model.card
    if "tau" in result:
        raise FacemtlError(f"{card.path}: the result was measured with tau {result['tau']:g}, "
                           "not the card's own adjustment; it is not recorded in the card")
    if card.path.resolve().parent == WEIGHTS_DIR.resolve() and not _source_checkout():
        raise FacemtlError(f"{card.path}: a bundled card inside the installed package is not "
                           f"written; export a copy (facemtl export {card.name} --out DIR "
                           f"--name NAME) and record its metrics instead")
    own_framing = result.get("framing", card.input.framing) == card.input.framing
    command = evaluate_command(result["dataset"], data_dir, result["split"],
                               model_argument or card.name,
                               None if own_framing else result["framing"])
    key = f"{result['dataset']}/{result['split']}" + ("" if own_framing
                                                      else f"/{result['framing']}-framing")
    card.raw.setdefault("metrics", {})[key] = {
        "n": result["n"], "command": command, **result["metrics"],
        **({"breakdown": result["breakdown"]} if "breakdown" in result else {})}
    return card.save()


def _source_checkout() -> bool:
    """Whether facemtl runs from a clone (``src/facemtl`` with ``pyproject.toml`` two levels
    up), where bundled cards are the repository's files, not an installed copy."""
    package = Path(__file__).resolve().parent
    return package.parent.name == "src" and (package.parent.parent / "pyproject.toml").is_file()

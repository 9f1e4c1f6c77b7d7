"""Export a checkpoint to ONNX plus its model card (the runtime's contract)."""

from __future__ import annotations

import copy
import dataclasses
import datetime
from pathlib import Path

import torch

from facemtl.data.registry import get_dataset
from facemtl.errors import ModelError
from facemtl.io.atomic import atomic_path
from facemtl.labels import AGE_BINS, ETHNICITIES, GENDERS
from facemtl.models import HEADS
from facemtl.models.build import build_model, expression_labels
from facemtl.models.multitask import PredictWrapper
from facemtl.runtime.card import CARD_FORMAT, ModelCard, sha256_of
from facemtl.train.config import TrainConfig

EMBEDDING_NOTE = "pooled backbone features; the runtime L2-normalises them"

#: The card's one-line description of the network, per ``sharing``.
ARCHITECTURES = {
    "hard": "multi-task: shared backbone, pooled features -> heads (paper 1)",
    "selective": "multi-task, selective sharing: shared early stages, then expression and "
                 "attribute branches joined by ConvFLU gates (paper 2's unit on paper 1's "
                 "network); embedding = the expression branch's pooled features",
}


#: The smallest input a re-export may ask for: EfficientNet-Lite0 halves the face five times.
MIN_INPUT_SIZE = 32


def export_model(source: str | Path, out_dir: str | Path, name: str, version: str = "0.1.0",
                 flip_tta: bool = False, age_decoder: str | None = None,
                 int8_calibration: dict[str, str] | None = None,
                 cache_dir: str | Path = ".cache/facemtl",
                 member: int | None = None,
                 input_size: int | None = None) -> tuple[Path, Path]:
    """Export a training checkpoint (.pt), or re-export a bundled/exported model (a name or
    card) with other inference options: ``flip_tta`` (mirror-image averaging in the graph),
    ``age_decoder``, and int8 quantisation calibrated on the train splits of
    ``int8_calibration`` (data set name -> folder); ``member`` writes out one network of an
    ensemble card; ``input_size`` runs a bundled/card network at another input size (the
    backbone is fully convolutional, so a smaller face is a cheaper answer; its accuracy must
    be measured again). Returns the ONNX and card paths."""
    if input_size is not None and input_size < MIN_INPUT_SIZE:
        raise ModelError(f"--input-size {input_size}: must be at least {MIN_INPUT_SIZE} pixels "
                         "(the backbone's total stride)")
    if str(source).endswith((".pt", ".pth")):
        if input_size is not None:
            raise ModelError("--input-size: for a bundled model or card (a checkpoint is "
                             "exported at the size it was trained at)")
        onnx_path, card_path = export_checkpoint(source, out_dir, name, version, flip_tta,
                                                 age_decoder)
    else:
        onnx_path, card_path = _reexport(source, Path(out_dir), name, version, flip_tta,
                                         age_decoder, member, input_size)
    if int8_calibration:
        try:
            _quantize(onnx_path, card_path, int8_calibration, cache_dir)
        except BaseException:
            # the float files were only a step on the way: no model is left under that name
            onnx_path.unlink(missing_ok=True)
            card_path.unlink(missing_ok=True)
            raise
    return onnx_path, card_path


def _quantize(onnx_path: Path, card_path: Path, calibration: dict[str, str],
              cache_dir: str | Path) -> None:
    """Turn an exported float model into int8 in place and record how in its card."""
    from facemtl.train.quantize import calibration_crops, quantize_int8

    card = ModelCard.load(card_path)
    crops = calibration_crops(calibration, card.input_size, cache_dir,
                              framing=card.input.framing)
    quantize_int8(onnx_path, onnx_path, crops)
    card.raw["inference"]["quantization"] = {
        "weights": "int8 per channel", "activations": "uint8",
        "format": "QDQ (onnxruntime.quantization.quantize_static)",
        "calibration": f"entropy, {len(crops)} train-split crops of "
                       f"{', '.join(calibration)} (seed 0)",
        "float": "task heads (Gemm)"}
    card.raw["onnx"]["sha256"] = sha256_of(onnx_path)
    card.save()


def _reexport(source: str | Path, out_dir: Path, name: str, version: str, flip_tta: bool,
              age_decoder: str | None, member: int | None = None,
              input_size: int | None = None) -> tuple[Path, Path]:
    """A bundled/exported model (or one ``member`` of an ensemble) written again with other
    inference options, at its own input size or ``input_size``; its metrics are dropped (they
    must be measured again)."""
    from facemtl.models.from_onnx import load_onnx_model
    from facemtl.runtime.card import ModelCard
    from facemtl.runtime.registry import resolve_model

    source_card = ModelCard.load(resolve_model(source))
    try:
        net = load_onnx_model(source_card.path, member=member, input_size=input_size).eval()
    except ValueError as error:
        raise ModelError(str(error)) from None
    onnx_path = _write_onnx(net, out_dir, name, flip_tta)
    card = copy.deepcopy(source_card.raw)
    derived = {"model": source_card.name, "sha256": source_card.sha256}
    if member is not None:
        record = card.pop("ensemble")[member]
        card.update(backbone=record["backbone"], architecture=record["architecture"],
                    input=record["input"], training=record["training"])
        card["outputs"]["embedding"] = {**card["outputs"]["embedding"],
                                        "dim": net.embedding_dim, "note": EMBEDDING_NOTE}
        derived |= {"member": member, "member_model": record["name"],
                    "member_version": record["version"], "member_sha256": record["sha256"]}
    card.update(name=name, version=version, created=datetime.date.today().isoformat(),
                metrics={}, derived_from=derived)
    card["inference"] = _inference(flip_tta)
    card["input"] = {**card["input"], "size": net.input_size}
    # a logit adjustment was chosen on the source's answers: the new graph's are measured anew
    card["outputs"]["expression"].pop("adjustment", None)
    if age_decoder:
        card["outputs"]["age"]["decoder"] = age_decoder
    card["onnx"] = {"file": onnx_path.name, "sha256": sha256_of(onnx_path), "opset": 17}
    return onnx_path, ModelCard(path=out_dir / f"{name}.json", raw=card).save()


def _inference(flip_tta: bool) -> dict:
    return {"test_time_augmentation": "flip" if flip_tta else None,
            "note": "each head averages the face and its mirror image" if flip_tta else "",
            "quantization": None}


def _write_onnx(net: torch.nn.Module, out_dir: Path, name: str, flip_tta: bool) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{name}.onnx"
    dummy = torch.zeros(2, 3, net.input_size, net.input_size)
    with atomic_path(onnx_path) as partial:
        torch.onnx.export(
            PredictWrapper(net, flip_tta), (dummy,), str(partial), input_names=["pixels"],
            output_names=list(HEADS), opset_version=17, dynamo=False,
            dynamic_axes={"pixels": {0: "batch"}, **{h: {0: "batch"} for h in HEADS}})
    return onnx_path


def export_checkpoint(checkpoint: str | Path, out_dir: str | Path, name: str,
                      version: str = "0.1.0", flip_tta: bool = False,
                      age_decoder: str | None = None) -> tuple[Path, Path]:
    """Write ``NAME.onnx`` and ``NAME.json`` into ``out_dir``; returns both paths."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = TrainConfig(**state["config"])
    # An identity classifier (pre-training) is not part of the exported model.
    config.datasets = {k: v for k, v in config.datasets.items() if k != "identity"}
    # The checkpoint holds every weight: build the bare network, but keep the training
    # config's own pretrained/init for the card (what the network was trained from).
    net = build_model(dataclasses.replace(config, pretrained=False, init=None))
    net.load_state_dict({k: v for k, v in state["model"].items()
                         if not k.startswith("identity.")})
    net.eval()
    if age_decoder:
        config.age_decoder = age_decoder
    out_dir = Path(out_dir)
    onnx_path = _write_onnx(net, out_dir, name, flip_tta)
    best = state.get("best", {})
    trained = set(best.get("trained_heads", HEADS))
    card = {
        "format": CARD_FORMAT,
        "name": name,
        "version": version,
        "created": datetime.date.today().isoformat(),
        "backbone": config.backbone,
        "architecture": ARCHITECTURES[config.sharing],
        "input": {
            "size": config.input_size, "colour": "rgb", "layout": "NCHW", "range": [0, 255],
            "crop": "tight", "framing": config.framing,
            "mean": list(net.mean), "std": list(net.std),
            "normalisation": "inside the ONNX graph: (pixels / 255 - mean) / std",
        },
        "outputs": {
            "embedding": {"dim": net.embedding_dim, "trained": "embedding" in trained,
                          "note": EMBEDDING_NOTE},
            "expression": {"labels": expression_labels(config), "activation": "softmax",
                           "trained": "expression" in trained},
            "valence_arousal": {"labels": ["valence", "arousal"], "range": [-1, 1],
                                "activation": "tanh", "trained": "valence_arousal" in trained},
            "age": _age_output(config) | {"trained": "age" in trained},
            "gender": {"labels": list(GENDERS), "activation": "sigmoid", "score": "P(female)",
                       "threshold": 0.5, "trained": "gender" in trained},
            "ethnicity": {"labels": list(ETHNICITIES), "activation": "softmax",
                          "trained": "ethnicity" in trained},
        },
        "training": {
            "data": [get_dataset(d).description for d in config.datasets],
            "config": {k: v for k, v in config.to_dict().items()
                       if k not in ("datasets", "cache_dir", "progress", "device")},
            "best_epoch": best.get("epoch"),
            "validation": _without_confusion(best.get("metrics", {})),
        },
        "inference": _inference(flip_tta),
        "metrics": {},
        "licence": "weights: MIT (facemtl); trained on data for non-commercial research "
                   "(FER2013, UTKFace): check those terms before commercial use",
        "onnx": {"file": onnx_path.name, "sha256": sha256_of(onnx_path), "opset": 17},
    }
    card_path = ModelCard(path=out_dir / f"{name}.json", raw=card).save()
    return onnx_path, card_path


def _age_output(config: TrainConfig) -> dict:
    if config.age_head == "regression":
        return {"bins": 1, "decoder": "regression", "activation": "none",
                "note": "one output: the age in years"}
    return {"bins": AGE_BINS, "bin_ages": "bin i = i years (100+ in the last bin)",
            "decoder": config.age_decoder, "activation": "softmax"}


def _without_confusion(metrics: dict) -> dict:
    return {head: {k: v for k, v in values.items() if k != "confusion"}
            for head, values in metrics.items()}

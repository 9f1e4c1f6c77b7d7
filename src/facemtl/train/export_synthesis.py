"""Export FERSNet's synthesis path (both encoders with their ConvFLU gates, the target
embedding and the decoder) as one ONNX graph plus a model card of kind ``synthesis``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import torch

from facemtl.io.atomic import atomic_path
from facemtl.models.fersnet import FERSNet
from facemtl.runtime.card import CARD_FORMAT, ModelCard, sha256_of

CKPLUS_LICENCE = "weights: MIT (facemtl); trained on CK+48 (non-commercial research only)"
FERPLUS_LICENCE = ("weights: MIT (facemtl); trained on FER2013 images (non-commercial research "
                   "only) with FER+ labels (MIT)")


class SynthesisGraph(torch.nn.Module):
    """(pixels (N, 1, S, S) 0..255, target one-hot (N, E)) -> faces (N, 1, S, S) 0..255."""

    def __init__(self, net: FERSNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, pixels: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.net.synthesize(pixels, target).clamp(0, 255)


def export_synthesis(net: FERSNet, out_dir: str | Path, name: str, labels: list[str],
                     training: dict[str, Any], version: str = "0.1.0",
                     licence: str = CKPLUS_LICENCE) -> tuple[Path, Path]:
    """Write ``NAME.onnx`` and ``NAME.json``; returns both paths. ``licence`` names the
    training data's terms, which the weights inherit."""
    if not net.synthesises:
        raise ValueError("this FERSNet has no synthesis branch (sharing 'none')")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / f"{name}.onnx"
    size = net.input_size
    graph = SynthesisGraph(net.eval()).eval()
    dummy = (torch.zeros(2, 1, size, size), torch.eye(net.num_classes)[:2])
    with atomic_path(onnx_path) as partial:
        torch.onnx.export(graph, dummy, str(partial), input_names=["pixels", "target"],
                          output_names=["face"], opset_version=17, dynamo=False,
                          dynamic_axes={"pixels": {0: "batch"}, "target": {0: "batch"},
                                        "face": {0: "batch"}})
    card = {
        "format": CARD_FORMAT, "kind": "synthesis", "name": name, "version": version,
        "created": datetime.date.today().isoformat(),
        "architecture": f"FERSNet synthesis path (sharing {net.sharing}, width "
                        f"{net.channels[0]}, {net.levels} levels; paper 2)",
        "input": {"size": size, "colour": "grey", "layout": "NCHW", "range": [0, 255],
                  "crop": "tight"},
        "outputs": {"face": {"labels": list(labels), "trained": True, "range": [0, 255],
                             "note": "input 'target' is a one-hot row over these labels"}},
        "training": training,
        "licence": licence,
        "onnx": {"file": onnx_path.name, "sha256": sha256_of(onnx_path), "opset": 17},
    }
    card_path = ModelCard(path=out_dir / f"{name}.json", raw=card).save()
    return onnx_path, card_path

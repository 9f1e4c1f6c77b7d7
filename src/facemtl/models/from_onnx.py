"""Rebuild the torch network of a bundled (or exported) ONNX model, so it can be fine-tuned.

Bundled models ship as ONNX only (one weight file per model). The exporter folds each batch
norm into the convolution before it, so the ONNX graph holds, per backbone convolution, a
weight and a bias. Loading those into the same ``MultiTaskNet`` definition gives each
convolution the folded weight and each batch norm the identity statistics (mean 0, var 1 - eps,
scale 1) with the folded bias as its shift: the network computes exactly what the ONNX
computes. Fine-tuning such a network should keep its batch norms in eval mode
(``freeze_batchnorm``), since their statistics are baked into the weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from facemtl.models.factory import create_model
from facemtl.models.multitask import MultiTaskNet


def _onnx_tensors(path: Path, prefix: str = ""
                  ) -> tuple[dict[str, np.ndarray], list[tuple[str, str | None]]]:
    """All initialisers by name, and (weight, bias) names of the Conv nodes in graph order.

    ``prefix`` keeps one member of an ensemble graph (``facemtl.train.ensemble``): only its
    nodes, and its tensors under their names without the prefix."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    if prefix:
        nodes = [n for n in graph.node if n.name.startswith(prefix)]
        del graph.node[:]
        graph.node.extend(nodes)
    tensors = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    for node in graph.node:  # some exporters keep small weights as Constant nodes
        if node.op_type == "Constant" and node.output:
            for attribute in node.attribute:
                if attribute.name == "value":
                    tensors[node.output[0]] = numpy_helper.to_array(attribute.t)
    # int8 models (QDQ): a weight is DequantizeLinear(int8, scale, zero point) -> dequantise
    for node in graph.node:
        if node.op_type == "DequantizeLinear" and all(i in tensors for i in node.input):
            axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
            tensors[node.output[0]] = _dequantize(*(tensors[i] for i in node.input), axis=axis)
    convs = [(n.input[1], n.input[2] if len(n.input) > 2 else None)
             for n in graph.node if n.op_type == "Conv"]
    if prefix:
        tensors = {k.removeprefix(prefix): v for k, v in tensors.items() if k.startswith(prefix)}
        convs = [(w.removeprefix(prefix), b.removeprefix(prefix) if b else None)
                 for w, b in convs]
    return tensors, convs


def _dequantize(values: np.ndarray, scale: np.ndarray, zero_point: np.ndarray | None = None,
                axis: int = 1) -> np.ndarray:
    """ONNX DequantizeLinear: (values - zero_point) * scale, per channel along ``axis``."""
    shape = [1] * values.ndim
    if np.size(scale) > 1:  # per channel
        shape[axis % values.ndim] = -1
    zero = np.zeros_like(scale) if zero_point is None else zero_point
    return ((values.astype(np.float32) - np.reshape(zero, shape).astype(np.float32))
            * np.reshape(scale, shape).astype(np.float32))


def _conv_bn_pairs(backbone: nn.Module) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
    """Each convolution with the batch norm that follows it, in definition (= graph) order."""
    modules = list(backbone.modules())
    pairs = []
    for index, module in enumerate(modules):
        if isinstance(module, nn.Conv2d):
            following = next((m for m in modules[index + 1:]
                              if isinstance(m, (nn.BatchNorm2d, nn.Conv2d))), None)
            if not isinstance(following, nn.BatchNorm2d):
                raise ValueError(f"convolution without a batch norm after it: {module}")
            pairs.append((module, following))
    return pairs


def load_onnx_model(card_path: str | Path, input_size: int | None = None,
                    num_expressions: int | None = None, member: int | None = None
                    ) -> MultiTaskNet:
    """The torch ``MultiTaskNet`` carrying the weights of the ONNX model behind a card.

    ``input_size`` may differ from the card's (convolution weights do not depend on it).
    ``num_expressions`` other than the card's gives a fresh expression head (a user's new
    label set). ``member`` picks one network of an ensemble card (0, 1, ... as its
    ``ensemble`` list says); an ensemble needs it. Shapes are checked tensor by tensor; any
    other mismatch is an error.
    """
    from facemtl.runtime.card import ModelCard

    card = ModelCard.load(card_path)
    members = card.raw.get("ensemble") or []
    if members and member is None:
        raise ValueError(f"{card.path}: an ensemble of {len(members)} networks; pick one "
                         f"(member 0..{len(members) - 1}: "
                         f"{', '.join(str(m['name']) for m in members)}; `facemtl export "
                         f"{card.name} --member N --out DIR --name NAME` writes one out)")
    if member is not None and not 0 <= member < len(members):
        raise ValueError(f"{card.path}: no ensemble member {member}")
    chosen = members[member] if member is not None else {}
    backbone = chosen.get("backbone", card.backbone)
    spec = chosen.get("input", card.raw["input"])
    size = input_size or int(spec["size"])
    own_labels = len(card.labels("expression"))
    classes = num_expressions or own_labels
    regression = card.head("age").decoder == "regression"
    net = create_model(backbone, size, pretrained=False, num_expressions=classes,
                       age_head="regression" if regression else "bins")
    tensors, convs = _onnx_tensors(card.onnx_path, chosen.get("prefix", ""))
    pairs = _conv_bn_pairs(net.backbone)
    if len(pairs) != len(convs):
        raise ValueError(f"{card.onnx_path}: {len(convs)} convolutions in the ONNX graph, "
                         f"{len(pairs)} in {backbone}")
    with torch.no_grad():
        for (conv, bn), (weight_name, bias_name) in zip(pairs, convs, strict=True):
            weight = torch.from_numpy(tensors[weight_name].copy())
            if weight.shape != conv.weight.shape:
                raise ValueError(f"{card.onnx_path}: {weight_name} {tuple(weight.shape)} does not "
                                 f"fit {tuple(conv.weight.shape)}")
            conv.weight.copy_(weight)
            bias = torch.from_numpy(tensors[bias_name].copy()) if bias_name else \
                torch.zeros(conv.out_channels)
            bn.weight.fill_(1.0)
            bn.bias.copy_(bias)
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        head_state = {}
        for name, value in net.state_dict().items():
            if name.startswith(("backbone.", "pixel_")):
                continue  # normalisation buffers come from the factory (checked below)
            if name.startswith("expression.") and classes != own_labels:
                continue  # a new label set: this head starts afresh
            key = f"net.{name}"
            if key not in tensors:
                raise ValueError(f"{card.onnx_path}: no tensor {key}")
            if tuple(tensors[key].shape) != tuple(value.shape):
                raise ValueError(f"{card.onnx_path}: {key} {tensors[key].shape} does not fit "
                                 f"{tuple(value.shape)}")
            head_state[name] = torch.from_numpy(tensors[key].copy())
        net.load_state_dict(head_state, strict=False)
    if list(net.mean) != list(spec["mean"]) or list(net.std) != list(spec["std"]):
        raise ValueError(f"{card_path}: mean/std differ from {backbone}'s")
    return net

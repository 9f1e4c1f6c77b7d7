"""The network a training run or an export starts from, decided by its config: so export no
longer imports the training loop, and a new network type is one more branch here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from facemtl.data.folders import class_names, read_identities
from facemtl.labels import EMOTIONS
from facemtl.models.factory import create_model
from facemtl.models.multitask import IdentityHead, MultiTaskNet

if TYPE_CHECKING:
    from facemtl.train.config import TrainConfig


def build_model(config: TrainConfig) -> MultiTaskNet:
    """The network a run starts from: ImageNet or random weights, a state-dict file, or a
    bundled/exported ONNX model (``init: fast``, a card path) rebuilt in torch."""
    labels = expression_labels(config)
    identities = identity_count(config)
    if config.init_is_model:
        from facemtl.models.from_onnx import load_onnx_model
        from facemtl.runtime.registry import resolve_model

        net = load_onnx_model(resolve_model(config.init), config.input_size,
                              num_expressions=len(labels))
        if identities:
            net.identity = IdentityHead(net.embedding_dim, identities, config.identity_head)
        return net
    net = create_model(config.backbone, config.input_size,
                       pretrained=config.pretrained and not config.init,
                       num_expressions=len(labels), age_head=config.age_head,
                       num_identities=identities, identity_head=config.identity_head,
                       sharing=config.sharing)
    if config.init:
        state = torch.load(config.init, map_location="cpu", weights_only=False)
        state = state.get("model", state)
        own = net.state_dict()
        # The identity classifier of a pre-training run is dropped (paper 1), as is a head
        # whose shape no longer fits (a new label set): both start afresh.
        kept = {k: v.float() for k, v in state.items()
                if k in own and v.shape == own[k].shape}
        unexpected = [k for k in state if k not in own and not k.startswith("identity.")]
        if unexpected:
            raise ValueError(f"{config.init}: unexpected tensors {unexpected[:5]}")
        net.load_state_dict(kept, strict=False)
    return net


def expression_labels(config: TrainConfig) -> list[str]:
    """The expression head's label names: the config's, a class-folder data set's, or the
    8 emotions."""
    if config.labels:
        return list(config.labels)
    if "folder" in config.datasets:
        return class_names(config.datasets["folder"])
    return list(EMOTIONS)


def identity_count(config: TrainConfig) -> int:
    """People in an identity data set's train side (0 without one)."""
    if "identity" not in config.datasets:
        return 0
    samples = read_identities(config.datasets["identity"], "train")
    return 1 + max((s.identity for s in samples), default=-1)

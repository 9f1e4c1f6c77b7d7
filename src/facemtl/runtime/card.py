"""The model card: the contract between training (which writes it) and the runtime (which
follows it). Input size, colour, labels, decoding, data, metrics and the ONNX file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facemtl.errors import ModelError
from facemtl.io.atomic import atomic_path

CARD_FORMAT = "facemtl-card/1"
COLOURS = ("rgb", "grey")
CROPS = ("tight", "aligned")
#: How a model's training data sets' ready crops were framed: ``dataset`` keeps a data
#: set's own crops (FER2013's and CK+48's 48-px registered faces); ``detector`` re-finds
#: each face with the runtime's detector and cuts its tight box, as ``analyze`` frames a photo.
FRAMINGS = ("dataset", "detector")


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class InputSpec:
    """What the network expects: a ``size`` x ``size`` crop in ``colour``, cut ``crop``
    (``tight`` box, paper 1's default, or 5-point ``aligned``). ``framing`` says how its
    training data sets' ready crops were framed: ``detector`` (re-found by the runtime's
    detector, as ``analyze`` frames a photo) or ``dataset`` (as the data set cut them; cards
    written before framing was recorded); ``evaluate`` frames data sets the same way."""

    size: int
    colour: str = "rgb"
    crop: str = "tight"
    framing: str = "dataset"

    @classmethod
    def parse(cls, raw: dict[str, Any], where: Path) -> InputSpec:
        try:
            spec = cls(int(raw["size"]), str(raw.get("colour", "rgb")), str(raw.get("crop", "tight")),
                       str(raw.get("framing", "dataset")))
        except (KeyError, TypeError, ValueError):
            raise ModelError(f"{where}: card 'input' needs an integer 'size'") from None
        if spec.framing not in FRAMINGS:
            raise ModelError(f"{where}: card input framing {spec.framing!r} is not one of "
                             f"{FRAMINGS}")
        if spec.colour not in COLOURS:
            raise ModelError(f"{where}: card input colour {spec.colour!r} is not one of {COLOURS}")
        if spec.crop not in CROPS:
            raise ModelError(f"{where}: card input crop {spec.crop!r} is not one of {CROPS}")
        return spec


@dataclass(frozen=True)
class HeadSpec:
    """One output head: whether it was trained, its label names, and how its numbers become
    answers (``decoder`` for age, ``threshold`` on P(second label) for gender)."""

    name: str
    trained: bool = False
    labels: tuple[str, ...] = ()
    decoder: str = "top2"
    threshold: float = 0.5
    #: Logit adjustment of a class head (``adjustment`` in the card): each label's share of
    #: the training data, and the power ``tau`` it is divided by (0: none).
    train_shares: tuple[float, ...] = ()
    tau: float = 0.0

    @classmethod
    def parse(cls, name: str, raw: dict[str, Any]) -> HeadSpec:
        labels = tuple(raw.get("labels", ()))
        adjustment = raw.get("adjustment") or {}
        shares = adjustment.get("train_shares", {})
        return cls(name, bool(raw.get("trained", False)), labels,
                   str(raw.get("decoder", "top2")), float(raw.get("threshold", 0.5)),
                   tuple(float(shares[label]) for label in labels) if shares else (),
                   float(adjustment.get("tau", 0.0)))


@dataclass(frozen=True)
class ModelCard:
    """A parsed card: ``input`` and ``heads`` are typed, parsed once when the card is made;
    ``raw`` keeps every field as written (training data, metrics, licences ...)."""

    path: Path
    raw: dict[str, Any]
    input: InputSpec = field(init=False, repr=False)
    heads: dict[str, HeadSpec] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "input", InputSpec.parse(self.raw["input"], self.path))
        object.__setattr__(self, "heads", {name: HeadSpec.parse(name, spec)
                                           for name, spec in self.raw["outputs"].items()})

    @classmethod
    def load(cls, path: str | Path) -> ModelCard:
        path = Path(path)
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            raise ModelError(f"{path}: model card not found") from None
        except (OSError, json.JSONDecodeError) as error:
            raise ModelError(f"{path}: unreadable model card ({error})") from None
        if raw.get("format") != CARD_FORMAT:
            raise ModelError(f"{path}: not a {CARD_FORMAT} model card")
        for key in ("name", "input", "outputs", "onnx"):
            if key not in raw:
                raise ModelError(f"{path}: model card lacks '{key}'")
        return cls(path=path, raw=raw)

    def head(self, name: str) -> HeadSpec:
        """The spec of one head (an untrained, label-less spec when the card lacks it)."""
        return self.heads.get(name) or HeadSpec(name)

    @property
    def kind(self) -> str:
        """``analysis`` (face in, answers out: FaceModel) or ``synthesis`` (FaceSynthesizer)."""
        return str(self.raw.get("kind", "analysis"))

    @property
    def backbone(self) -> str | None:
        return self.raw.get("backbone")

    @property
    def inference(self) -> dict[str, Any]:
        """How the graph was exported: flip test-time augmentation, int8 quantisation."""
        return dict(self.raw.get("inference") or {})

    @property
    def name(self) -> str:
        return str(self.raw["name"])

    @property
    def sha256(self) -> str | None:
        """The ONNX weights' SHA-256 as recorded by export (identifies the weights)."""
        return self.raw["onnx"].get("sha256")

    @property
    def onnx_path(self) -> Path:
        return self.path.parent / self.raw["onnx"]["file"]

    @property
    def input_size(self) -> int:
        return self.input.size

    def trained(self, head: str) -> bool:
        return self.head(head).trained

    def labels(self, head: str) -> list[str]:
        return list(self.head(head).labels)

    def verify(self) -> None:
        """Check the ONNX file exists and matches the SHA-256 the card records."""
        onnx_path = self.onnx_path
        if not onnx_path.is_file():
            raise ModelError(f"{onnx_path}: ONNX file named by {self.path.name} not found")
        expected = self.sha256
        if expected and sha256_of(onnx_path) != expected:
            raise ModelError(f"{onnx_path}: SHA-256 does not match its card (corrupt or replaced)")

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path or self.path)
        with atomic_path(target) as partial:
            partial.write_text(json.dumps(self.raw, indent=2) + "\n")
        return target

"""The model card: the contract between training (which writes it) and the runtime (which
follows it). Input size, colour, labels, decoding, data, metrics and the ONNX file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facemtl.errors import ModelError
from facemtl.io.atomic import atomic_path

CARD_FORMAT = "facemtl-card/1"


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelCard:
    """A parsed card; ``raw`` keeps every field (training data, metrics, licences ...)."""

    path: Path
    raw: dict[str, Any]

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
        return int(self.raw["input"]["size"])

    @property
    def colour(self) -> str:
        return str(self.raw["input"]["colour"])

    @property
    def crop(self) -> str:
        return str(self.raw["input"].get("crop", "tight"))

    def output(self, head: str) -> dict[str, Any]:
        return dict(self.raw["outputs"].get(head, {}))

    def trained(self, head: str) -> bool:
        return bool(self.output(head).get("trained", False))

    def labels(self, head: str) -> list[str]:
        return list(self.output(head).get("labels", []))

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

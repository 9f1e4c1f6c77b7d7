"""Bundled models live in ``facemtl/runtime/weights`` as NAME.onnx + NAME.json, found by name."""

from __future__ import annotations

from pathlib import Path

from facemtl.errors import ModelError

WEIGHTS_DIR = Path(__file__).parent / "weights"
#: The default: the pipeline's time is mostly face detection, so the better model costs
#: little per image; ``fast`` is the one for many faces per frame or slow machines.
DEFAULT_MODEL = "accurate"


def available_models() -> list[str]:
    """Names of the models shipped inside the package."""
    return sorted(p.stem for p in WEIGHTS_DIR.glob("*.json"))


def resolve_model(name_or_path: str | Path = DEFAULT_MODEL) -> Path:
    """The card path for a bundled model name, a card (.json), an .onnx beside its card, or a
    folder holding exactly one card."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".json" and candidate.is_file():
        return candidate
    if candidate.suffix == ".onnx":
        card = candidate.with_suffix(".json")
        if card.is_file():
            return card
        raise ModelError(f"{candidate}: no model card {card.name} beside the ONNX file")
    if candidate.is_dir():
        cards = sorted(candidate.glob("*.json"))
        if len(cards) == 1:
            return cards[0]
        raise ModelError(f"{candidate}: expected one model card in the folder, found {len(cards)}")
    bundled = WEIGHTS_DIR / f"{name_or_path}.json"
    if bundled.is_file():
        return bundled
    raise ModelError(f"unknown model {str(name_or_path)!r}: not a bundled model "
                     f"({', '.join(available_models()) or 'none installed'}) nor a card path")

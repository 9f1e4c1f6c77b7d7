"""What the model benchmarks share: where the repository and the data are, and how they are
told which model to measure. Imported by the scripts beside it (run as
``python benchmarks/NAME.py``, which puts this folder on the import path)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FACEMTL_DATA", ROOT.parent / "shared" / "data"))
RESULTS = ROOT / "benchmarks" / "results"


def model_arguments(doc: str, default_model: str) -> argparse.ArgumentParser:
    """A parser with ``--model`` (a bundled name or a card) and ``--data`` (the folder holding
    ferplus/, utkface/, ckplus48/), described by the first line of the script's ``doc``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--model", default=default_model)
    parser.add_argument("--data", type=Path, default=DATA)
    return parser


#: Memory layouts the training-throughput benchmarks compare (train_throughput.py,
#: sfs_throughput.py).
MEMORY_FORMATS = ("contiguous", "channels_last")


def torch_memory_format(name: str):  # -> torch.memory_format; torch imported here, not for all
    """The torch memory format called ``name`` (one of MEMORY_FORMATS)."""
    import torch

    if name not in MEMORY_FORMATS:
        raise SystemExit(f"unknown memory format {name!r}: use {', '.join(MEMORY_FORMATS)}")
    return torch.channels_last if name == "channels_last" else torch.contiguous_format

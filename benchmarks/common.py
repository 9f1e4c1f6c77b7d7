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

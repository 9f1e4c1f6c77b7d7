"""Write-then-rename, so an interrupted run never leaves a half-written output file."""

from __future__ import annotations

import os
from pathlib import Path


def partial_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def commit(partial: Path, path: Path) -> None:
    partial.replace(path)

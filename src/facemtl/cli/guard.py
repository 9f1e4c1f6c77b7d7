"""One bad file must not stop a batch: run its work, and on failure print one line naming it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from facemtl.batch.run import attempt

T = TypeVar("T")


def guarded(path: Path, work: Callable[[], T]) -> tuple[bool, T | None]:
    """``(True, result)``, or ``(False, None)`` after one stderr line naming the file."""
    ok, result, message = attempt(path, work)
    if not ok:
        tqdm.write(f"facemtl: error: {message}", file=sys.stderr)
    return ok, result

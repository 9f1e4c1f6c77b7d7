"""One bad file must not stop a batch: run its work, and on failure print one line naming it."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from facemtl.errors import FacemtlError

T = TypeVar("T")


def guarded(path: Path, work: Callable[[], T]) -> tuple[bool, T | None]:
    """``(True, result)``, or ``(False, None)`` after one stderr line: our own errors already
    name the file; anything unexpected gets the file name and the exception's type."""
    try:
        return True, work()
    except FacemtlError as error:
        message = str(error)
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the batch
        message = f"{path}: {type(error).__name__}: {error}"
    tqdm.write(f"facemtl: error: {message}", file=sys.stderr)
    return False, None

"""Write-then-rename, so an interrupted run never leaves a half-written output file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def partial_path(path: Path) -> Path:
    """A hidden temporary name beside ``path`` (same folder, so the rename is atomic); it
    keeps the suffix, for writers that pick the format from it."""
    return path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")


def resumable_partial(path: Path) -> Path:
    """Like ``partial_path`` but the same in every run, so a killed run's rows can be found
    and resumed (``writers.journal.RunJournal``)."""
    return path.with_name(f".{path.stem}.partial{path.suffix}")


def commit(partial: Path, path: Path) -> None:
    partial.replace(path)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on error it is
    removed and ``path`` is left as it was."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    try:
        yield partial
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    commit(partial, target)


def write_json(path: str | Path, data: object) -> Path:
    """``data`` as indented JSON at ``path``, whole or not at all."""
    import json

    with atomic_path(path) as partial:
        partial.write_text(json.dumps(data, indent=1) + "\n")
    return Path(path)

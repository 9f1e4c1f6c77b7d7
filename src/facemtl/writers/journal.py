"""Resumable runs: which input files' rows are already in the row files, and where.

After each input file, every row file is flushed to disk and one JSON line is appended (and
flushed) to the journal: the file's name, each row file's length after it, and the video's
summary if any. A run killed at any moment (kill -9 included) has therefore committed a whole
number of files; ``--resume`` cuts each row file back to the last committed length (dropping
a half-written file's rows) and skips the committed files, so the final output holds every
file's rows exactly once. The journal is ``.<output name>.progress`` beside the first row
file, and is removed when the run ends.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import IO, Any

from facemtl.errors import FacemtlError
from facemtl.io.atomic import resumable_partial
from facemtl.writers.rows import RowFile


def journal_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.progress")


class RunJournal:
    """The journal of one run writing ``outputs`` (row files). Checks first, so that nothing
    is overwritten by surprise: an existing output needs ``overwrite`` (start again) or
    ``resume``; an interrupted run's leftovers need one of them too."""

    def __init__(self, outputs: list[Path], resume: bool = False, overwrite: bool = False
                 ) -> None:
        if resume and overwrite:
            raise FacemtlError("--resume and --overwrite contradict each other: choose one")
        self.outputs = outputs
        self.path = journal_path(outputs[0])
        self.entries: list[dict[str, Any]] = []
        self.complete = False
        self.handle: IO[str] | None = None
        interrupted = self.path.exists() or any(
            resumable_partial(o).exists() for o in outputs)
        if overwrite:
            self._clear()
        elif resume:
            if self.path.exists():
                self.entries = self._read()
            elif all(o.exists() for o in outputs) and not interrupted:
                self.complete = True  # a finished run: nothing to resume
                self.handle = None
                return
        else:
            if interrupted:
                raise FacemtlError(f"{outputs[0]}: an interrupted run left its rows here; "
                                   "--resume continues it, --overwrite starts again")
            existing = [o for o in outputs if o.exists()]
            if existing:
                raise FacemtlError(f"{existing[0]} exists: --overwrite replaces it, "
                                   "--resume continues the run that wrote it")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("a" if self.entries else "w")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise FacemtlError(f"{outputs[0]}: another run is writing it now") from None
        if self.entries:  # drop a torn last line
            self._rewrite()

    def _clear(self) -> None:
        self.path.unlink(missing_ok=True)
        for output in self.outputs:
            partial = resumable_partial(output)
            partial.unlink(missing_ok=True)
            partial.with_suffix(".rows.jsonl").unlink(missing_ok=True)  # Parquet's log

    def _read(self) -> list[dict[str, Any]]:
        entries = []
        for line in self.path.read_text().splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                break  # the line being written when the run was killed
        return entries

    def _rewrite(self) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        for entry in self.entries:
            self.handle.write(json.dumps(entry) + "\n")
        self._sync()

    def _sync(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())

    @property
    def done(self) -> set[str]:
        return {entry["file"] for entry in self.entries}

    @property
    def summaries(self) -> list[dict[str, Any]]:
        return [entry["summary"] for entry in self.entries if entry.get("summary")]

    def resume_at(self, output: Path) -> int | None:
        """Where ``output``'s hidden file is cut when resuming (None: start it afresh)."""
        if not self.entries:
            return None
        return self.entries[-1]["offsets"][str(output)]

    def commit(self, file: str, writers: list[RowFile],
               summary: dict[str, Any] | None = None) -> None:
        """``file``'s rows are all written: make them durable, then record it."""
        entry = {"file": file, "offsets": {str(w.path): w.committed() for w in writers}}
        if summary:
            entry["summary"] = summary
        self.entries.append(entry)
        self.handle.write(json.dumps(entry) + "\n")
        self._sync()

    def rollback(self, writers: list[RowFile]) -> None:
        """``file`` failed midway: drop its rows from every row file."""
        for writer in writers:
            last = self.entries[-1]["offsets"][str(writer.path)] if self.entries else 0
            writer.rollback(last)

    def close(self, finished: bool) -> None:
        """Release the journal; remove it when the run ``finished`` (outputs renamed)."""
        if self.handle is not None:
            self.handle.close()
        if finished:
            self.path.unlink(missing_ok=True)

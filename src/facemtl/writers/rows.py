"""Writers of result rows (``facemtl.results.rows`` defines them): JSON lines, CSV, Parquet."""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from facemtl.errors import FacemtlError
from facemtl.io.atomic import commit, resumable_partial
from facemtl.results.rows import flatten


class JsonlWriter:
    """One JSON object per line, to a stream (default stdout), flushed per image."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.stream.write(json.dumps(row) + "\n")
        self.stream.flush()

    def close(self) -> None:
        self.stream.flush()


class RowFile:
    """Rows appended to a hidden file beside ``path`` and renamed into place by ``close()``,
    so no half-written output is ever at ``path``.

    The hidden file keeps one name across runs, and ``committed()`` / ``rollback()`` give
    byte offsets, so that a ``RunJournal`` can resume a killed run exactly where its last
    complete input file ended. ``resume_at`` reopens the hidden file cut at that offset.
    """

    suffix_of_log = ""

    def __init__(self, path: str | Path, resume_at: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = resumable_partial(self.path)
        self.log = self.partial if not self.suffix_of_log else \
            self.partial.with_suffix(self.suffix_of_log)
        if resume_at is None:
            self.handle = self.log.open("wb")
        else:
            self.handle = self.log.open("r+b")
            self.handle.truncate(resume_at)
            self.handle.seek(resume_at)
        self.rows = 0

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.handle.write(self.encode(row))
            self.rows += 1

    def encode(self, row: dict[str, Any]) -> bytes:
        raise NotImplementedError

    def committed(self) -> int:
        """Flush to disk and return the length of what is there (a resume point)."""
        self.handle.flush()
        os.fsync(self.handle.fileno())
        return self.handle.tell()

    def rollback(self, offset: int) -> None:
        """Drop what was written after ``offset`` (an input file that failed midway)."""
        self.handle.flush()
        self.handle.truncate(offset)
        self.handle.seek(offset)

    def suspend(self) -> None:
        """Close the hidden file and leave it for a resumed run."""
        self.handle.close()

    def close(self) -> None:
        self.handle.close()
        self.finish()
        commit(self.partial, self.path)

    def finish(self) -> None:
        """Turn the log into the final format (nothing to do for JSONL and CSV)."""

    def abort(self) -> None:
        self.handle.close()
        self.log.unlink(missing_ok=True)
        self.partial.unlink(missing_ok=True)


class JsonlFile(RowFile):
    """``--jsonl FILE``: one JSON object per line."""

    def encode(self, row: dict[str, Any]) -> bytes:
        return (json.dumps(row) + "\n").encode()


class CsvWriter(RowFile):
    """``--csv FILE``: the flattened rows (``results.rows.flatten``), header from the first."""

    def __init__(self, path: str | Path, resume_at: int | None = None) -> None:
        super().__init__(path, resume_at)
        self.columns: list[str] | None = None
        if resume_at:
            with self.log.open(newline="") as handle:
                self.columns = next(csv.reader(handle), None)

    def rollback(self, offset: int) -> None:
        super().rollback(offset)
        if offset == 0:
            self.columns = None  # the header went too: the next row writes it again

    def encode(self, row: dict[str, Any]) -> bytes:
        flat = flatten(row)
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=self.columns or list(flat))
        if self.columns is None:
            self.columns = list(flat)
            writer.writeheader()
        writer.writerow(flat)
        return text.getvalue().encode()


#: Parquet column types by name; anything else is stored as text.
_PARQUET_TYPES = {"face": "int64", "frame": "int64", "track": "int64", "detected": "bool",
                  "time_s": "float64", "box_x": "float64", "box_y": "float64",
                  "box_w": "float64", "box_h": "float64", "score": "float64",
                  "valence": "float64", "arousal": "float64", "age": "float64",
                  "gender_prob": "float64"}


class ParquetWriter(RowFile):
    """``--parquet FILE`` (needs ``pyarrow``): rows are logged as flattened JSON lines (which
    can be resumed; a Parquet file cannot be appended to), then written as Parquet row groups,
    so memory stays flat, when the run ends."""

    suffix_of_log = ".rows.jsonl"

    def __init__(self, path: str | Path, resume_at: int | None = None,
                 rows_per_group: int = 4096) -> None:
        try:
            import pyarrow  # noqa: F401
        except ModuleNotFoundError:
            raise FacemtlError("--parquet needs pyarrow (pip install 'facemtl[video]')") from None
        super().__init__(path, resume_at)
        self.rows_per_group = rows_per_group

    def encode(self, row: dict[str, Any]) -> bytes:
        return (json.dumps(flatten(row)) + "\n").encode()

    def finish(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer, columns = None, None
        try:
            with self.log.open() as handle:
                while batch := [json.loads(line) for _, line in
                                zip(range(self.rows_per_group), handle, strict=False)]:
                    if writer is None:
                        columns = list(batch[0])
                        schema = pa.schema([(c, pa.type_for_alias(_PARQUET_TYPES.get(
                            c, "string"))) for c in columns])
                        writer = pq.ParquetWriter(self.partial, schema)
                    data = {c: [_parquet_value(row.get(c), c) for row in batch]
                            for c in columns}
                    writer.write_table(pa.table(data, schema=writer.schema))
        finally:
            if writer is not None:
                writer.close()
        if writer is None:  # no rows at all: an empty file with no columns
            pq.write_table(pa.table({}), self.partial)
        self.log.unlink()


def _parquet_value(value: Any, column: str) -> Any:
    if value is None or column in _PARQUET_TYPES:
        return value
    return value if isinstance(value, str) else json.dumps(value)

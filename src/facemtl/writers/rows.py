"""Writers of result rows (``facemtl.results.rows`` defines them): JSON lines, CSV, Parquet."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import IO, Any

from facemtl.errors import FacemtlError
from facemtl.io.atomic import commit, partial_path
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


class CsvWriter:
    """CSV rows written to a temporary file and renamed into place on ``close``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = partial_path(self.path)
        self.handle = self.partial.open("w", newline="")
        self.writer: csv.DictWriter | None = None

    def write(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            flat = flatten(row)
            if self.writer is None:
                self.writer = csv.DictWriter(self.handle, fieldnames=list(flat))
                self.writer.writeheader()
            self.writer.writerow(flat)

    def close(self) -> None:
        self.handle.close()
        commit(self.partial, self.path)

    def abort(self) -> None:
        self.handle.close()
        self.partial.unlink(missing_ok=True)


#: Parquet column types by name; anything else is stored as text.
_PARQUET_TYPES = {"face": "int64", "frame": "int64", "track": "int64", "detected": "bool",
                  "time_s": "float64", "box_x": "float64", "box_y": "float64",
                  "box_w": "float64", "box_h": "float64", "score": "float64",
                  "valence": "float64", "arousal": "float64", "age": "float64",
                  "gender_prob": "float64"}


class ParquetWriter:
    """The CSV columns as a Parquet file (needs ``pyarrow``), written in row groups so memory
    stays flat, to a temporary file renamed into place on ``close``."""

    def __init__(self, path: str | Path, rows_per_group: int = 4096) -> None:
        try:
            import pyarrow  # noqa: F401
        except ModuleNotFoundError:
            raise FacemtlError("--parquet needs pyarrow (pip install 'facemtl[video]')") from None
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = partial_path(self.path)
        self.rows_per_group = rows_per_group
        self.buffer: list[dict[str, Any]] = []
        self.columns: list[str] | None = None
        self.writer: Any = None

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.buffer.extend(flatten(row) for row in rows)
        if len(self.buffer) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self.buffer:
            return
        if self.writer is None:
            self.columns = list(self.buffer[0])
            schema = pa.schema([(c, pa.type_for_alias(_PARQUET_TYPES.get(c, "string")))
                                for c in self.columns])
            self.writer = pq.ParquetWriter(self.partial, schema)
        data = {c: [_parquet_value(row.get(c), c) for row in self.buffer] for c in self.columns}
        self.writer.write_table(pa.table(data, schema=self.writer.schema))
        self.buffer = []

    def close(self) -> None:
        self._flush()
        if self.writer is not None:
            self.writer.close()
            commit(self.partial, self.path)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.partial.unlink(missing_ok=True)


def _parquet_value(value: Any, column: str) -> Any:
    if value is None or column in _PARQUET_TYPES:
        return value
    return value if isinstance(value, str) else json.dumps(value)

"""Output writers: JSON lines, CSV, Parquet, annotated images and videos, timeline plots.
Files appear whole or not at all. Rows themselves are defined once, in ``facemtl.results``."""

from facemtl.writers.annotate import AnnotatedImageWriter, annotate_image, save_annotated
from facemtl.writers.journal import RunJournal
from facemtl.writers.rows import CsvWriter, JsonlFile, JsonlWriter, ParquetWriter, RowFile
from facemtl.writers.video import AnnotatedVideoWriter

__all__ = ["AnnotatedImageWriter", "AnnotatedVideoWriter", "CsvWriter", "JsonlFile",
           "JsonlWriter", "ParquetWriter", "RowFile", "RunJournal", "annotate_image",
           "save_annotated"]

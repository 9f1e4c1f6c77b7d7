"""Output writers: JSON lines, CSV, Parquet, annotated images and videos, timeline plots.
Files appear whole or not at all. Rows themselves are defined once, in ``facemtl.results``."""

from facemtl.writers.annotate import AnnotatedImageWriter, annotate_image, save_annotated
from facemtl.writers.rows import CsvWriter, JsonlWriter, ParquetWriter
from facemtl.writers.video import AnnotatedVideoWriter

__all__ = ["AnnotatedImageWriter", "AnnotatedVideoWriter", "CsvWriter", "JsonlWriter",
           "ParquetWriter", "annotate_image", "save_annotated"]

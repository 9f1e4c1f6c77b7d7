"""Output writers: JSON lines, CSV, Parquet, annotated images and videos, timeline plots.
Files appear whole or not at all."""

from facemtl.writers.annotate import annotate_image, write_annotated
from facemtl.writers.rows import CsvWriter, JsonlWriter, ParquetWriter, face_rows, frame_rows
from facemtl.writers.video import AnnotatedVideoWriter

__all__ = ["AnnotatedVideoWriter", "CsvWriter", "JsonlWriter", "ParquetWriter",
           "annotate_image", "face_rows", "frame_rows", "write_annotated"]

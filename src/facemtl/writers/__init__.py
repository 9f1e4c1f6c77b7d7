"""Output writers: JSON lines, CSV, annotated images. Files appear whole or not at all."""

from facemtl.writers.annotate import annotate_image, write_annotated
from facemtl.writers.rows import CsvWriter, JsonlWriter, face_rows

__all__ = ["CsvWriter", "JsonlWriter", "annotate_image", "face_rows", "write_annotated"]

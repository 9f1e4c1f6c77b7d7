"""Reading inputs: images (any common format, EXIF-rotated, colour-converted) and file discovery."""

from facemtl.io.discover import expand_inputs
from facemtl.io.images import load_image

__all__ = ["expand_inputs", "load_image"]

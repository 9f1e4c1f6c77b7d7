"""Result types: frozen dataclasses with ``to_dict()``."""

from facemtl.results.face import FIELDS, Face

__all__ = ["FIELDS", "Face"]

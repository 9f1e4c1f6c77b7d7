"""Result types: frozen dataclasses with ``to_dict()``."""

from facemtl.results.face import FIELDS, Face
from facemtl.results.frame import FRAME_FIELDS, FrameResult, TrackedFace

__all__ = ["FIELDS", "FRAME_FIELDS", "Face", "FrameResult", "TrackedFace"]

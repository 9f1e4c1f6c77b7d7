"""Result types: frozen faces, image results (a sequence of faces with rows, JSON, DataFrame
and pictures), video frames and whole-video results."""

from facemtl.results.face import FIELDS, Face
from facemtl.results.frame import FrameResult, TrackedFace
from facemtl.results.image import ImageResult
from facemtl.results.rows import FRAME_FIELDS, face_rows, flatten, frame_rows

__all__ = ["FIELDS", "FRAME_FIELDS", "Face", "FrameResult", "ImageResult", "TrackedFace",
           "face_rows", "flatten", "frame_rows"]

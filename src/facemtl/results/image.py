"""``ImageResult``: the faces of one image, as a sequence of ``Face`` (largest first) that
also knows where it came from and can become rows, JSON, a DataFrame or a picture."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from facemtl.results.face import Face
from facemtl.results.rows import face_rows, rows_to_df


@dataclass(frozen=True, eq=False)
class ImageResult(Sequence[Face]):
    """What ``FaceAnalyzer.analyze`` returns: ``for face in result``, ``result[0]`` and
    ``len(result)`` work as on the list of faces it used to be.

    ``path`` is the file analysed (None for an array or PIL image), ``image_size`` its
    (width, height) after EXIF rotation, ``timings`` the milliseconds spent detecting
    (``detect_ms``) and cropping plus running the model (``model_ms``). The pixels are kept
    (``image``, RGB) so that ``plot()`` and ``save()`` can draw on them.
    """

    faces: tuple[Face, ...]
    path: str | None = None
    image_size: tuple[int, int] = (0, 0)
    timings: dict[str, float] = field(default_factory=dict)
    image: np.ndarray | None = field(default=None, repr=False)

    @overload
    def __getitem__(self, index: int) -> Face: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Face, ...]: ...

    def __getitem__(self, index: int | slice) -> Face | tuple[Face, ...]:
        return self.faces[index]

    def __len__(self) -> int:
        return len(self.faces)

    def __iter__(self) -> Iterator[Face]:
        return iter(self.faces)

    def __eq__(self, other: object) -> bool:
        """Equal to another result with the same file and faces, or to a list of the same
        faces (``analyze(...) == []`` reads as it did when results were lists)."""
        if isinstance(other, ImageResult):
            return (self.path, self.image_size, self.faces) == (other.path, other.image_size,
                                                               other.faces)
        if isinstance(other, list | tuple):
            return list(self.faces) == list(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.path, self.image_size, self.faces))

    def to_dicts(self, embedding: bool = False, frame_columns: bool = False
                 ) -> list[dict[str, Any]]:
        """The CLI's rows: one per face, or one with ``face: None`` when there is none."""
        return face_rows(self.path, self.faces, embedding=embedding, frame_columns=frame_columns)

    def to_json(self, embedding: bool = False, indent: int | None = None) -> str:
        """The rows as a JSON array."""
        return json.dumps(self.to_dicts(embedding=embedding), indent=indent)

    def to_df(self, embedding: bool = False) -> Any:
        """A pandas DataFrame, one row per face, with the same columns as ``--csv``."""
        return rows_to_df(self.to_dicts(embedding=embedding))

    def plot(self) -> np.ndarray:
        """The image as an RGB array with every face's box, landmarks and label drawn."""
        from facemtl.writers.annotate import annotate_image

        return np.ascontiguousarray(annotate_image(self._pixels(), self.faces)[:, :, ::-1])

    def save(self, path: str | Path) -> Path:
        """Write the annotated picture to ``path`` (format from its suffix), atomically."""
        from facemtl.writers.annotate import save_annotated

        return save_annotated(self._pixels(), self.faces, path)

    def _pixels(self) -> np.ndarray:
        if self.image is None:
            raise ValueError("this result holds no pixels to draw on")
        return self.image

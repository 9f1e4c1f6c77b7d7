"""The one box convention: (x, y, w, h) in pixels of the original image.

Detections, data set samples, crops and results all carry a ``Box``. It is a named tuple, so
it unpacks (``x, y, w, h = box``), compares by value, hashes, and turns into a NumPy array
as before; the views say which corner convention a caller wants, so nobody has to guess.
"""

from __future__ import annotations

from typing import NamedTuple


class Box(NamedTuple):
    """A face box: top-left corner (x, y), width and height, in pixels."""

    x: float
    y: float
    w: float
    h: float

    @classmethod
    def from_xyxy(cls, x1: float, y1: float, x2: float, y2: float) -> Box:
        """From two corners (top-left, bottom-right), as many detectors and files give them."""
        return cls(float(x1), float(y1), float(x2) - float(x1), float(y2) - float(y1))

    @property
    def xywh(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.w, self.h)

    @property
    def xyxy(self) -> tuple[float, float, float, float]:
        return (self.x, self.y, self.x + self.w, self.y + self.h)

    @property
    def area(self) -> float:
        return self.w * self.h

    def rounded(self) -> list[int]:
        """Whole pixels ``[x, y, w, h]``, as result rows print them."""
        return [round(float(v)) for v in self]

    def scaled(self, sx: float, sy: float) -> Box:
        """The box in an image resized by ``sx`` horizontally and ``sy`` vertically."""
        return Box(self.x * sx, self.y * sy, self.w * sx, self.h * sy)

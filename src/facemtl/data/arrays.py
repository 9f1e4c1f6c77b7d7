"""Face crops and labels held as compact uint8 arrays, saved as JPEG-in-NPZ caches.

Decoding tens of thousands of files every epoch would dominate CPU training time, so each
data set split is cropped once (with the runtime's own detector and resize) and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path

import cv2
import numpy as np

from facemtl.align.crop import tight_crop
from facemtl.box import Box
from facemtl.data.samples import Sample
from facemtl.io.atomic import atomic_path
from facemtl.io.images import load_image
from facemtl.labels import EMOTIONS, MISSING
from facemtl.runtime.preprocess import resize_face


@dataclass
class FaceArrays:
    """N face crops (uint8, N x S x S x 3, RGB) with per-head labels (masked when missing)."""

    images: np.ndarray
    expression: np.ndarray  # float32 (N, 8); all-zero row = no expression label
    age: np.ndarray  # int16, MISSING = none
    gender: np.ndarray  # int8, 0 male / 1 female, MISSING = none
    ethnicity: np.ndarray  # int8, 0..4, MISSING = none
    valence: np.ndarray  # float32, NaN = none
    arousal: np.ndarray  # float32, NaN = none
    identity: np.ndarray | None = None  # int32 person index, MISSING = none (identity training)

    def __post_init__(self) -> None:
        if self.identity is None:  # caches written before identity labels existed
            self.identity = np.full(len(self.images), MISSING, np.int32)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    def subset(self, index: np.ndarray | Sequence[int]) -> FaceArrays:
        return FaceArrays(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def resized(self, size: int) -> FaceArrays:
        if size == self.size:
            return self
        images = np.stack([resize_face(image, size) for image in self.images])
        return FaceArrays(**{**self._labels(), "images": images})

    def labelled(self, head: str) -> np.ndarray:
        """Boolean mask of the samples that carry a label for ``head``."""
        if head == "expression":
            return self.expression.sum(axis=1) > 0
        if head == "valence_arousal":
            return ~np.isnan(self.valence) & ~np.isnan(self.arousal)
        return getattr(self, head) != MISSING

    def _labels(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "images"}

    @staticmethod
    def concatenate(parts: Sequence[FaceArrays]) -> FaceArrays:
        return FaceArrays(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                             for f in fields(FaceArrays)})

    def save(self, path: str | Path, quality: int = 90, codec: str = "jpg") -> None:
        """Write an NPZ with encoded crops; written to a temp name, then renamed.

        ``codec`` is ``jpg`` (the caches) or ``webp`` (smaller at the same quality, for packs
        that must travel under a size limit: benchmarks/recipe_pack.py); ``load`` decodes
        either."""
        flag = {"jpg": cv2.IMWRITE_JPEG_QUALITY, "webp": cv2.IMWRITE_WEBP_QUALITY}[codec]
        encoded = [cv2.imencode(f".{codec}", _grey_or_bgr(image), [flag, quality])[1]
                   for image in self.images]
        offsets = np.cumsum([0] + [len(e) for e in encoded]).astype(np.int64)
        with atomic_path(path) as partial, partial.open("wb") as handle:
            np.savez(handle, jpeg=np.concatenate(encoded) if encoded else np.zeros(0, np.uint8),
                     offsets=offsets, size=np.int32(self.size), **self._labels())

    @staticmethod
    def load(path: str | Path, size: int | None = None) -> FaceArrays:
        """Read a cache; ``size`` resizes the crops to a network's input size."""
        with np.load(path) as data:
            jpeg, offsets = data["jpeg"], data["offsets"]
            images = [cv2.imdecode(jpeg[a:b], cv2.IMREAD_COLOR)[:, :, ::-1]
                      for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
            stored = int(data["size"])
            labels = {f.name: data[f.name] for f in fields(FaceArrays)
                      if f.name != "images" and f.name in data}
        target = size or stored
        stack = np.stack([resize_face(np.ascontiguousarray(i), target) for i in images]) \
            if images else np.zeros((0, target, target, 3), np.uint8)
        return FaceArrays(images=stack, **labels)


def _grey_or_bgr(image: np.ndarray) -> np.ndarray:
    """One channel for grey crops (FER+, CK+ are grey: a third of the bytes), else BGR."""
    if np.array_equal(image[:, :, 0], image[:, :, 1]) and np.array_equal(image[:, :, 1],
                                                                          image[:, :, 2]):
        return image[:, :, 0]
    return image[:, :, ::-1]


#: Sample crops that the detector cuts (see ``Sample.crop``).
DETECTED = ("detect", "redetect")
#: ``redetect``: grey border added around a data set's crop, as a share of its side, and the
#: upscaling before detection. A registered 48-px face fills its frame, which the detector
#: misses (it found 78 of 300 FER+ valid faces as they are, 281 with this border and
#: scale: benchmarks/data_facts.py).
REDETECT_BORDER = 0.5
REDETECT_SCALE = 2.0


def redetect(image: np.ndarray, detect: Callable[[np.ndarray], Box | None]) -> Box | None:
    """The detector's tight box of the face that fills a data set's crop, in the crop's
    pixels (it may reach past the crop's edges; ``tight_crop`` clips it)."""
    height, width = image.shape[:2]
    pad_y, pad_x = int(round(height * REDETECT_BORDER)), int(round(width * REDETECT_BORDER))
    padded = cv2.copyMakeBorder(image, pad_y, pad_y, pad_x, pad_x, cv2.BORDER_CONSTANT,
                                value=(128, 128, 128))
    padded = cv2.resize(padded, None, fx=REDETECT_SCALE, fy=REDETECT_SCALE,
                        interpolation=cv2.INTER_LINEAR)
    box = detect(padded)
    if box is None:
        return None
    x, y, w, h = (v / REDETECT_SCALE for v in box)
    return Box(x - pad_x, y - pad_y, w, h)


def build_arrays(samples: Sequence[Sample], size: int,
                 detect: Callable[[np.ndarray], Box | None] | None = None, workers: int = 2,
                 progress: bool = True) -> FaceArrays:
    """Crop and resize every sample once.

    ``detect`` maps an image to the tight face box used for ``crop == "detect"`` and
    ``"redetect"`` samples (the runtime's detector, so training crops match inference
    crops). Where it finds no face, the median relative box of the faces it did find in
    this set is used instead.
    """
    from tqdm import tqdm

    def read(sample: Sample) -> tuple[np.ndarray, Box | None]:
        image = load_image(sample.path)
        if detect is None or sample.crop not in DETECTED:
            return image, None
        return image, detect(image) if sample.crop == "detect" else redetect(image, detect)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        loaded = list(tqdm(pool.map(read, samples), total=len(samples), disable=not progress,
                           desc="cropping", unit="img"))
    relative = [(b[0] / i.shape[1], b[1] / i.shape[0], b[2] / i.shape[1], b[3] / i.shape[0])
                for i, b in loaded if b is not None]
    fallback = tuple(np.median(np.array(relative), axis=0)) if relative else (0.0, 0.0, 1.0, 1.0)
    images = np.zeros((len(samples), size, size, 3), np.uint8)
    for index, ((image, box), sample) in enumerate(zip(loaded, samples, strict=True)):
        if sample.crop in DETECTED and box is None:
            h, w = image.shape[:2]
            box = Box(*fallback).scaled(w, h)
        if sample.crop == "box":
            box = sample.box
        crop = tight_crop(image, box) if box is not None else image
        images[index] = resize_face(crop, size)
    no_label = np.zeros(len(EMOTIONS), np.float32)
    return FaceArrays(
        images=images,
        expression=np.stack([s.expression if s.expression is not None else no_label
                             for s in samples]).astype(np.float32)
        if samples else np.zeros((0, len(EMOTIONS)), np.float32),
        age=np.array([s.age for s in samples], np.int16),
        gender=np.array([s.gender for s in samples], np.int8),
        ethnicity=np.array([s.ethnicity for s in samples], np.int8),
        valence=np.array([s.valence for s in samples], np.float32),
        arousal=np.array([s.arousal for s in samples], np.float32),
        identity=np.array([s.identity for s in samples], np.int32),
    )


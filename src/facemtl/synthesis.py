"""``FaceSynthesizer``: faces shown in other expressions, by FERSNet's exported synthesis
path on onnxruntime (no torch). Detects the faces, crops them as the card says, and returns
each face in every requested expression; ``grid()`` lays them out as one picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from facemtl.align.crop import tight_crop
from facemtl.box import Box
from facemtl.detect import Detector, RetinaFaceDetector
from facemtl.errors import FacemtlError, ModelError
from facemtl.io.images import ImageLike, load_image
from facemtl.runtime.card import ModelCard
from facemtl.runtime.preprocess import resize_face
from facemtl.runtime.registry import resolve_model
from facemtl.runtime.session import cpu_session

#: The default synthesis model, chosen on FER+ valid (docs/SFS.md); fersnet_ckplus is the other.
DEFAULT_SYNTHESIS_MODEL = "fersnet_ferplus"


@dataclass(frozen=True, eq=False)
class SynthesisResult:
    """One face: its box, the grey crop the model saw, and that face in each expression."""

    box: Box
    source: np.ndarray = field(repr=False)
    faces: dict[str, np.ndarray] = field(repr=False)


class FaceSynthesizer:
    """Show detected faces in other expressions.

    >>> synthesizer = FaceSynthesizer()
    >>> results = synthesizer.synthesize("photo.jpg", to=["happiness", "surprise"])
    >>> synthesizer.grid(results)          # uint8 grey picture: a row per face
    """

    def __init__(self, model: str | Path = DEFAULT_SYNTHESIS_MODEL,
                 detector: Detector | None = None, threads: int = 0) -> None:
        card = ModelCard.load(resolve_model(model))
        if card.kind != "synthesis":
            raise ModelError(f"{card.path}: not a synthesis model (card kind {card.kind!r})")
        card.verify()
        self.card = card
        self.labels = list(card.head("face").labels)
        self.session = cpu_session(card.onnx_path, threads)
        self.detector = detector or RetinaFaceDetector(threads=threads)

    def check_targets(self, to: list[str]) -> list[str]:
        unknown = [t for t in to if t not in self.labels]
        if unknown or not to:
            raise FacemtlError(f"--to: unknown expression(s) {', '.join(unknown) or '(none)'};"
                               f" this model makes {', '.join(self.labels)}")
        return list(to)

    def synthesize_crops(self, crops: list[np.ndarray], to: list[str]) -> list[dict[str, np.ndarray]]:
        """Grey ``size`` x ``size`` uint8 crops -> each crop in each target expression."""
        to = self.check_targets(to)
        if not crops:
            return []
        pixels = np.stack(crops).astype(np.float32)[:, None]
        out: list[dict[str, np.ndarray]] = [{} for _ in crops]
        for name in to:
            target = np.zeros((len(crops), len(self.labels)), np.float32)
            target[:, self.labels.index(name)] = 1.0
            faces = self.session.run(["face"], {"pixels": pixels, "target": target})[0]
            for entry, face in zip(out, faces, strict=True):
                entry[name] = np.clip(np.rint(face[0]), 0, 255).astype(np.uint8)
        return out

    def crop(self, rgb: np.ndarray, box: Box) -> np.ndarray:
        """The model's view of a face: the tight box, grey, resized to the card's size."""
        grey = cv2.cvtColor(np.ascontiguousarray(tight_crop(rgb, box)), cv2.COLOR_RGB2GRAY)
        return resize_face(grey, self.card.input.size)

    def synthesize(self, image: ImageLike, to: list[str]) -> list[SynthesisResult]:
        """Every face of ``image`` (largest first) in each expression of ``to``."""
        to = self.check_targets(to)
        rgb = load_image(image)
        boxes = [d.box for d in self.detector.detect(rgb)]
        crops = [self.crop(rgb, box) for box in boxes]
        made = self.synthesize_crops(crops, to)
        return [SynthesisResult(box, crop, faces)
                for box, crop, faces in zip(boxes, crops, made, strict=True)]

    @staticmethod
    def grid(results: list[SynthesisResult], scale: int = 2, gap: int = 4) -> np.ndarray:
        """One picture: a row per face, its crop first, then each synthesised expression."""
        if not results:
            raise FacemtlError("no face to draw")
        rows = []
        for result in results:
            tiles = [result.source, *result.faces.values()]
            tiles = [cv2.resize(t, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
                     for t in tiles]
            height = tiles[0].shape[0]
            spacer = np.full((height, gap), 255, np.uint8)
            rows.append(np.hstack([x for t in tiles for x in (t, spacer)][:-1]))
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, gap), (0, width - r.shape[1])), constant_values=255)
                for r in rows]
        return np.vstack(rows)[:-gap]

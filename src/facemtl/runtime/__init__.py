"""Inference on onnxruntime, OpenCV and NumPy only: model cards, bundled weights, decoding."""

from facemtl.runtime.card import ModelCard
from facemtl.runtime.model import FaceModel
from facemtl.runtime.registry import available_models, resolve_model

__all__ = ["FaceModel", "ModelCard", "available_models", "resolve_model"]

"""Model definitions (torch). One definition serves training and ONNX export.

Importing this package requires the ``[train]`` extra; the runtime never does.
"""

from facemtl.models.factory import BACKBONES, create_model, list_backbones
from facemtl.models.multitask import HEADS, MultiTaskNet

__all__ = ["BACKBONES", "HEADS", "MultiTaskNet", "create_model", "list_backbones"]

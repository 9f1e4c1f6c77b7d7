"""facemtl: facial expression and attributes with lightweight multi-task networks.

Inference needs only NumPy, OpenCV and onnxruntime; training lives behind the ``[train]``
extra and is imported lazily so that ``import facemtl`` never pulls in torch.
"""

from __future__ import annotations

__version__ = "0.1.0"

from facemtl.analyzer import FaceAnalyzer
from facemtl.results.face import Face

__all__ = ["Face", "FaceAnalyzer", "__version__"]

"""facemtl: facial expression and attributes with lightweight multi-task networks.

Inference needs only NumPy, OpenCV and onnxruntime; training lives behind the ``[train]``
extra and is imported lazily so that ``import facemtl`` never pulls in torch.

The public API, as the README uses it: ``FaceAnalyzer`` (images -> ``ImageResult``, a
sequence of ``Face``), ``VideoAnalyzer`` (videos -> ``VideoResult``), ``FaceModel`` (one
exported model on face crops), ``evaluate`` (a model's metrics on a data set) and
``FaceSynthesizer`` (faces shown in other expressions, paper 2).
"""

from __future__ import annotations

__version__ = "0.1.0"

from facemtl.analyzer import FaceAnalyzer
from facemtl.evaluation import evaluate
from facemtl.results.face import Face
from facemtl.results.image import ImageResult
from facemtl.results.video import VideoResult
from facemtl.runtime.model import FaceModel
from facemtl.synthesis import FaceSynthesizer
from facemtl.video.pipeline import VideoAnalyzer

__all__ = ["Face", "FaceAnalyzer", "FaceModel", "FaceSynthesizer", "ImageResult",
           "VideoAnalyzer", "VideoResult", "__version__", "evaluate"]

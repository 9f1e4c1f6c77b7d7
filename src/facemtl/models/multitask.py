"""Paper 1's multi-task network: one lightweight timm backbone shared by all facial tasks.

Heads on the pooled features (the face embedding):
- expression: 8 logits (order in ``facemtl.labels.EMOTIONS``), fine-tuned directly on the
  pooled features, since paper 1 found attribute features alone do not serve expressions;
- valence, arousal: 2 outputs, bounded to [-1, 1] by tanh;
- attributes through dropout 0.5 -> dense 256 -> ReLU (paper 1): age as a 100-way softmax
  over one-year bins, gender as one sigmoid (P(female), UTKFace coding), ethnicity as 5-way.

Normalisation lives inside the network (a buffer), so the exported ONNX takes RGB pixels
in 0..255 and the runtime never re-implements mean/std.
"""

from __future__ import annotations

import timm
import torch
from torch import nn

from facemtl.labels import AGE_BINS, EMOTIONS, ETHNICITIES

#: Output names of ``MultiTaskNet.predict`` and of the exported ONNX graph, in order.
HEADS: tuple[str, ...] = ("embedding", "expression", "valence_arousal", "age", "gender", "ethnicity")


class MultiTaskNet(nn.Module):
    """Backbone + task heads. ``forward`` gives raw logits; ``predict`` gives probabilities."""

    def __init__(
        self,
        backbone: str = "efficientnet_lite0",
        input_size: int = 112,
        mean: tuple[float, float, float] = (0.5, 0.5, 0.5),
        std: tuple[float, float, float] = (0.5, 0.5, 0.5),
        attribute_hidden: int = 256,
        dropout: float = 0.5,
        num_expressions: int = len(EMOTIONS),
    ) -> None:
        super().__init__()
        self.backbone_name = backbone
        self.input_size = input_size
        self.backbone = timm.create_model(backbone, pretrained=False, num_classes=0)
        with torch.no_grad():
            self.backbone.eval()
            features = self.backbone(torch.zeros(1, 3, input_size, input_size)).shape[1]
        self.embedding_dim = int(features)
        self.register_buffer("pixel_mean", torch.tensor(mean).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("pixel_std", torch.tensor(std).view(1, 3, 1, 1) * 255.0)
        self.mean = tuple(float(m) for m in mean)
        self.std = tuple(float(s) for s in std)
        self.expression = nn.Sequential(nn.Dropout(0.2), nn.Linear(features, num_expressions))
        self.valence_arousal = nn.Linear(features, 2)
        self.attributes = nn.Sequential(
            nn.Dropout(dropout), nn.Linear(features, attribute_hidden), nn.ReLU(inplace=True)
        )
        self.age = nn.Linear(attribute_hidden, AGE_BINS)
        self.gender = nn.Linear(attribute_hidden, 1)
        self.ethnicity = nn.Linear(attribute_hidden, len(ETHNICITIES))

    def features(self, pixels: torch.Tensor) -> torch.Tensor:
        """Pooled backbone features of RGB pixels in 0..255, shape (N, 3, H, W)."""
        return self.backbone((pixels - self.pixel_mean) / self.pixel_std)

    def forward(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        embedding = self.features(pixels)
        hidden = self.attributes(embedding)
        return {
            "embedding": embedding,
            "expression": self.expression(embedding),
            "valence_arousal": torch.tanh(self.valence_arousal(embedding)),
            "age": self.age(hidden),
            "gender": self.gender(hidden).squeeze(1),
            "ethnicity": self.ethnicity(hidden),
        }

    def predict(self, pixels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Probabilities per head, in ``HEADS`` order: what the ONNX graph outputs."""
        out = self.forward(pixels)
        return (
            out["embedding"],
            out["expression"].softmax(dim=1),
            out["valence_arousal"],
            out["age"].softmax(dim=1),
            torch.sigmoid(out["gender"]),
            out["ethnicity"].softmax(dim=1),
        )

    def head_parameters(self) -> list[nn.Parameter]:
        """Parameters outside the backbone (for head-only warm-up epochs)."""
        return [p for n, p in self.named_parameters() if not n.startswith("backbone.")]


class PredictWrapper(nn.Module):
    """Exposes ``predict`` as ``forward`` for ONNX export."""

    def __init__(self, net: MultiTaskNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return self.net.predict(pixels)

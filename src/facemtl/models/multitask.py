"""Paper 1's multi-task network: one lightweight timm backbone shared by all facial tasks.

Heads on the pooled features (the face embedding):
- expression: 8 logits (order in ``facemtl.labels.EMOTIONS``), fine-tuned directly on the
  pooled features, since paper 1 found attribute features alone do not serve expressions;
- valence, arousal: 2 outputs, bounded to [-1, 1] by tanh;
- attributes through dropout 0.5 -> dense 256 -> ReLU (paper 1): age as a 100-way softmax
  over one-year bins (or, as an option, one regressed value), gender as one sigmoid
  (P(female), UTKFace coding), ethnicity as 5-way.

Normalisation lives inside the network (a buffer), so the exported ONNX takes RGB pixels
in 0..255 and the runtime never re-implements mean/std.
"""

from __future__ import annotations

import timm
import torch
from torch import nn

from facemtl.labels import AGE_BINS, EMOTIONS, ETHNICITIES

#: Age as paper 1's 100-way softmax over one-year bins, or as one regressed value (option).
AGE_HEADS: tuple[str, ...] = ("bins", "regression")
#: The regression head predicts age / AGE_SCALE, which keeps its target near unit scale.
AGE_SCALE = 50.0

#: Identity pre-training heads: softmax over people (paper 1) or ArcFace's angular margin.
IDENTITY_HEADS: tuple[str, ...] = ("linear", "arcface")

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
        age_head: str = "bins",
        num_identities: int = 0,
        identity_head: str = "linear",
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
        if age_head not in AGE_HEADS:
            raise ValueError(f"unknown age head {age_head!r}; choose from {AGE_HEADS}")
        self.age_head = age_head
        self.age = nn.Linear(attribute_hidden, AGE_BINS if age_head == "bins" else 1)
        self.gender = nn.Linear(attribute_hidden, 1)
        self.ethnicity = nn.Linear(attribute_hidden, len(ETHNICITIES))
        # Identity pre-training only (paper 1, stage 1); dropped before the next stage, never
        # exported: the pooled features it trains are the face embedding.
        self.identity = IdentityHead(features, num_identities, identity_head) \
            if num_identities else None

    def features(self, pixels: torch.Tensor) -> torch.Tensor:
        """Pooled backbone features of RGB pixels in 0..255, shape (N, 3, H, W)."""
        return self.backbone((pixels - self.pixel_mean) / self.pixel_std)

    def forward(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        embedding = self.features(pixels)
        hidden = self.attributes(embedding)
        extra = {"identity": self.identity(embedding)} if self.identity is not None else {}
        return extra | {
            "embedding": embedding,
            "expression": self.expression(embedding),
            "valence_arousal": torch.tanh(self.valence_arousal(embedding)),
            "age": self.age(hidden),
            "gender": self.gender(hidden).squeeze(1),
            "ethnicity": self.ethnicity(hidden),
        }

    def predict(self, pixels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Probabilities per head, in ``HEADS`` order: what the ONNX graph outputs."""
        return self.probabilities(self.forward(pixels))

    def probabilities(self, out: dict[str, torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """``forward``'s raw outputs turned into ``predict``'s, in ``HEADS`` order."""
        return (
            out["embedding"],
            out["expression"].softmax(dim=1),
            out["valence_arousal"],
            out["age"].softmax(dim=1) if self.age_head == "bins" else out["age"] * AGE_SCALE,
            torch.sigmoid(out["gender"]),
            out["ethnicity"].softmax(dim=1),
        )

    def head_parameters(self) -> list[nn.Parameter]:
        """Parameters outside the backbone (for head-only warm-up epochs)."""
        return [p for n, p in self.named_parameters() if not n.startswith("backbone.")]


class IdentityHead(nn.Module):
    """Classifier over the training identities: plain linear logits (paper 1), or the cosine
    similarities to one learned centre per person, to which the loss adds ArcFace's additive
    angular margin (Deng et al. 2019)."""

    def __init__(self, features: int, identities: int, kind: str = "linear") -> None:
        super().__init__()
        if kind not in IDENTITY_HEADS:
            raise ValueError(f"unknown identity head {kind!r}; choose from {IDENTITY_HEADS}")
        self.kind = kind
        self.linear = nn.Linear(features, identities, bias=kind == "linear")

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        if self.kind == "linear":
            return self.linear(embedding)
        return nn.functional.normalize(embedding.float(), dim=1) @ \
            nn.functional.normalize(self.linear.weight.float(), dim=1).T


class PredictWrapper(nn.Module):
    """Exposes ``predict`` as ``forward`` for ONNX export.

    ``flip_tta`` averages every head's output over the face and its mirror image (test-time
    augmentation): twice the compute for a steadier answer, inside the graph, so the runtime
    stays the same."""

    def __init__(self, net: MultiTaskNet, flip_tta: bool = False) -> None:
        super().__init__()
        self.net = net
        self.flip_tta = flip_tta

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        if not self.flip_tta:
            return self.net.predict(pixels)
        both = self.net.predict(torch.cat([pixels, pixels.flip(3)]))
        n = pixels.shape[0]
        return tuple((out[:n] + out[n:]) / 2 for out in both)

"""Paper 1's multi-task network: one lightweight timm backbone shared by all facial tasks.

Heads on the pooled features (the face embedding):
- expression: 8 logits (order in ``facemtl.labels.EMOTIONS``), fine-tuned directly on the
  pooled features, since paper 1 found attribute features alone do not serve expressions;
- valence, arousal: 2 outputs, bounded to [-1, 1] by tanh;
- attributes through dropout 0.5 -> dense 256 -> ReLU (paper 1): age as a 100-way softmax
  over one-year bins (or, as an option, one regressed value), gender as one sigmoid
  (P(female), UTKFace coding), ethnicity as 5-way.

``sharing`` says how the expression and attribute heads share the backbone: ``hard``
(paper 1: one backbone under every head) or ``selective`` (paper 2's selective sharing asked
of paper 1's network: from ``SPLIT_STAGE`` on, the backbone's later stages are two branches,
one under the expression heads and one under the attribute heads, joined after each stage
but the last by a pair of ConvFLU gates through which each branch takes only what helps it).

Normalisation lives inside the network (a buffer), so the exported ONNX takes RGB pixels
in 0..255 and the runtime never re-implements mean/std.
"""

from __future__ import annotations

import copy

import timm
import torch
from torch import nn

from facemtl.labels import AGE_BINS, EMOTIONS, ETHNICITIES
from facemtl.models.convflu import ConvFLU

#: Age as paper 1's 100-way softmax over one-year bins, or as one regressed value (option).
AGE_HEADS: tuple[str, ...] = ("bins", "regression")
#: The regression head predicts age / AGE_SCALE, which keeps its target near unit scale.
AGE_SCALE = 50.0

#: Identity pre-training heads: softmax over people (paper 1) or ArcFace's angular margin.
IDENTITY_HEADS: tuple[str, ...] = ("linear", "arcface")

#: How the expression and attribute heads share the backbone (see the module docstring).
SHARING: tuple[str, ...] = ("hard", "selective")
#: ``selective``: the index of the backbone stage (timm ``blocks``) where the branches part.
#: EfficientNet-Lite0's stages 0-2 (stride 8, 3% of its weights) stay shared: low-level edges
#: serve every task, and the later stages are where paper 1 saw the tasks pull apart.
SPLIT_STAGE = 3
#: ``selective``: the gates' update bias at the start (z = sigmoid(-4) = 0.02), so the two
#: branches, both starting from the same ImageNet weights, start nearly separate.
GATE_UPDATE_BIAS = -4.0

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
        sharing: str = "hard",
    ) -> None:
        super().__init__()
        if sharing not in SHARING:
            raise ValueError(f"unknown sharing {sharing!r}; choose from {SHARING}")
        self.backbone_name = backbone
        self.input_size = input_size
        self.sharing = sharing
        self.backbone = timm.create_model(backbone, pretrained=False, num_classes=0)
        self.branch = AttributeBranch(self.backbone, input_size) if sharing == "selective" \
            else None
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
        """Pooled features of RGB pixels in 0..255, shape (N, 3, H, W), under the expression
        heads: the face embedding."""
        return self.branch_features(pixels)[0]

    def branch_features(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(features under the expression heads, features under the attribute heads): the
        same tensor twice with ``hard`` sharing."""
        unit = (pixels - self.pixel_mean) / self.pixel_std
        if self.branch is None:
            pooled = self.backbone(unit)
            return pooled, pooled
        return self.branch(self.backbone, unit)

    def trunk(self) -> list[nn.Module]:
        """The pretrained feature extractor (frozen during head-only epochs): the backbone,
        and with ``selective`` sharing the attribute branch and its gates."""
        return [self.backbone] + ([self.branch] if self.branch is not None else [])

    def sync_branches(self) -> None:
        """Start the attribute branch from the backbone's own later stages (after the
        backbone's ImageNet weights are loaded)."""
        if self.branch is not None:
            self.branch.copy_from(self.backbone)

    def forward(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        embedding, attribute_features = self.branch_features(pixels)
        hidden = self.attributes(attribute_features)
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
        """Parameters outside the trunk (for head-only warm-up epochs)."""
        trunk = {id(p) for module in self.trunk() for p in module.parameters()}
        return [p for p in self.parameters() if id(p) not in trunk]


class AttributeBranch(nn.Module):
    """``selective`` sharing: a second copy of a timm EfficientNet's stages from
    ``SPLIT_STAGE`` on (and its head convolution), under the attribute heads, with a pair of
    ConvFLU gates after each copied stage but the last.

    The gates are 1x1: at the 64-112 px inputs used here those stages' maps are 2-7 px
    wide, where a 3x3 kernel mostly sees padding, and 1x1 keeps the gates at a ninth of the
    weights."""

    def __init__(self, backbone: nn.Module, input_size: int) -> None:
        super().__init__()
        if not all(hasattr(backbone, name) for name in ("blocks", "conv_head", "bn2",
                                                         "global_pool")):
            raise ValueError("selective sharing needs an EfficientNet-style timm backbone "
                             "(blocks, conv_head, bn2)")
        self.blocks = copy.deepcopy(backbone.blocks[SPLIT_STAGE:])
        self.conv_head = copy.deepcopy(backbone.conv_head)
        self.bn2 = copy.deepcopy(backbone.bn2)
        self.global_pool = copy.deepcopy(backbone.global_pool)
        with torch.no_grad():
            backbone.eval()
            x = backbone.bn1(backbone.conv_stem(torch.zeros(1, 3, input_size, input_size)))
            channels = []
            for block in backbone.blocks:
                x = block(x)
                channels.append(int(x.shape[1]))
        gated = channels[SPLIT_STAGE:-1]
        self.to_expression = nn.ModuleList(ConvFLU(c, 1, GATE_UPDATE_BIAS) for c in gated)
        self.to_attributes = nn.ModuleList(ConvFLU(c, 1, GATE_UPDATE_BIAS) for c in gated)

    def copy_from(self, backbone: nn.Module) -> None:
        self.blocks.load_state_dict(backbone.blocks[SPLIT_STAGE:].state_dict())
        self.conv_head.load_state_dict(backbone.conv_head.state_dict())
        self.bn2.load_state_dict(backbone.bn2.state_dict())

    def forward(self, backbone: nn.Module, unit: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        x = backbone.bn1(backbone.conv_stem(unit))
        for block in backbone.blocks[:SPLIT_STAGE]:
            x = block(x)
        expression, attributes = x, x
        for level, (own, other) in enumerate(zip(backbone.blocks[SPLIT_STAGE:], self.blocks,
                                                 strict=True)):
            expression, attributes = own(expression), other(attributes)
            if level < len(self.to_expression):
                expression, attributes = (self.to_expression[level](expression, attributes),
                                          self.to_attributes[level](attributes, expression))
        expression = backbone.global_pool(backbone.bn2(backbone.conv_head(expression)))
        attributes = self.global_pool(self.bn2(self.conv_head(attributes)))
        return expression, attributes


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

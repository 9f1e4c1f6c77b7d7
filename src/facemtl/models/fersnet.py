"""FERSNet (Zhao et al., ICPR 2020): facial expression recognition and synthesis in one
network, two branches of VGG-like blocks that share features selectively through ConvFLU
gates; plus the PatchGAN discriminator that judges its synthesised faces.

Sizes follow this project's data: grey faces of ``input_size`` pixels (48 for CK+48 and
FER2013, their native size), pixel values 0..255 in and out. Inside, pixels are scaled to
[-1, 1] and the synthesis decoder ends in tanh.

Branches, per level ``i`` (``levels`` of them, ``width * 2**i`` channels):
    block = 2 x [3x3 conv, batch norm, ReLU], then 2x2 max pooling
``sharing`` says how the two encoders meet after each level:
    ``none``     the recognition branch alone (the paper's Baseline; no synthesis)
    ``hard``     the first ``shared_levels`` blocks are one module for both (Baseline*)
    ``convflu``  one ConvFLU gate per level and direction (FERSNet)
The synthesis branch appends an embedding of the *target* expression (one-hot -> linear ->
reshaped to the bottleneck's size) and decodes with transposed convolutions, with skip
connections from its own encoder (a choice of ours: the paper's decoder is not published, and
skips keep the subject's identity with the little training a CPU allows).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from facemtl.models.convflu import ConvFLU

SHARING = ("none", "hard", "convflu")


def conv_block(c_in: int, c_out: int) -> nn.Sequential:
    """2 x [3x3 conv, batch norm, ReLU] (pooling is applied by the caller)."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True))


def to_unit(pixels: torch.Tensor) -> torch.Tensor:
    """0..255 -> [-1, 1]."""
    return pixels / 127.5 - 1.0


def to_pixels(unit: torch.Tensor) -> torch.Tensor:
    """[-1, 1] -> 0..255."""
    return (unit + 1.0) * 127.5


class FERSNet(nn.Module):
    """Recognition and synthesis branches; see the module docstring for ``sharing``."""

    def __init__(self, num_classes: int = 7, input_size: int = 48, width: int = 32,
                 levels: int = 3, sharing: str = "convflu", shared_levels: int = 2,
                 embedding_channels: int = 16, dropout: float = 0.5) -> None:
        super().__init__()
        if sharing not in SHARING:
            raise ValueError(f"unknown sharing {sharing!r}; choose from {', '.join(SHARING)}")
        if input_size % (2 ** levels):
            raise ValueError(f"input_size {input_size} must be divisible by 2**levels")
        self.num_classes, self.input_size, self.sharing = num_classes, input_size, sharing
        self.levels, self.shared_levels = levels, shared_levels if sharing == "hard" else 0
        channels = [width * 2 ** i for i in range(levels)]
        self.channels = channels
        ins = [1, *channels[:-1]]
        self.recognition = nn.ModuleList(conv_block(i, o) for i, o in zip(ins, channels,
                                                                             strict=True))
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                        nn.Dropout(dropout), nn.Linear(channels[-1], num_classes))
        self.synthesises = sharing != "none"
        if not self.synthesises:
            return
        # hard sharing: the synthesis encoder reuses the first blocks' modules themselves
        self.synthesis = nn.ModuleList(
            self.recognition[i] if i < self.shared_levels else conv_block(ins[i], channels[i])
            for i in range(levels))
        if sharing == "convflu":
            self.to_recognition = nn.ModuleList(ConvFLU(c) for c in channels)
            self.to_synthesis = nn.ModuleList(ConvFLU(c) for c in channels)
        bottleneck = input_size // 2 ** levels
        self.bottleneck = bottleneck
        self.embedding_channels = embedding_channels
        self.target_embedding = nn.Linear(num_classes, embedding_channels * bottleneck ** 2)
        ups, skips = [], []
        c_now = channels[-1] + embedding_channels
        for level in reversed(range(levels)):
            c_out = channels[level - 1] if level else width
            ups.append(nn.Sequential(
                nn.ConvTranspose2d(c_now, c_out, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)))
            skip_channels = channels[level - 1] if level else 0
            skips.append(conv_block(c_out + skip_channels, c_out))
            c_now = c_out
        self.up = nn.ModuleList(ups)
        self.fuse = nn.ModuleList(skips)
        self.to_face = nn.Conv2d(width, 1, 3, padding=1)

    def encode(self, unit: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Per-level features of both branches (after pooling and gating), from [-1, 1]."""
        rec, syn = unit, unit
        rec_levels, syn_levels = [], []
        for level in range(self.levels):
            rec = F.max_pool2d(self.recognition[level](rec), 2)
            if self.synthesises:
                syn = rec if level < self.shared_levels else F.max_pool2d(self.synthesis[level](syn), 2)
                if self.sharing == "convflu":
                    rec, syn = (self.to_recognition[level](rec, syn),
                                self.to_synthesis[level](syn, rec))
            rec_levels.append(rec)
            syn_levels.append(syn)
        return rec_levels, syn_levels

    def class_axes(self) -> dict[str, int]:
        """State-dict keys of the parameters indexed by expression class, each with the axis
        that runs over the classes (the classifier's output rows, the target embedding's
        input columns), read from the modules themselves so that starting from a network
        trained on other classes (``transfer_weights``) follows any change of the layers."""
        head = f"classifier.{len(self.classifier) - 1}"  # the Linear at its end
        axes = {f"{head}.weight": 0, f"{head}.bias": 0}
        if self.synthesises:
            axes["target_embedding.weight"] = 1  # its bias runs over the code, not classes
        return axes

    def classify(self, pixels: torch.Tensor) -> torch.Tensor:
        """Expression logits for grey faces (N, 1, S, S) in 0..255."""
        rec_levels, _ = self.encode(to_unit(pixels))
        return self.classifier(rec_levels[-1])

    def decode(self, syn_levels: list[torch.Tensor], target: torch.Tensor) -> torch.Tensor:
        """A face in [-1, 1] showing ``target`` (class indices or one-hot rows)."""
        if target.dim() == 1:
            target = F.one_hot(target, self.num_classes).float()
        code = self.target_embedding(target).view(-1, self.embedding_channels,
                                                  self.bottleneck, self.bottleneck)
        hidden = torch.cat([syn_levels[-1], code], dim=1)
        for step, level in enumerate(reversed(range(self.levels))):
            hidden = self.up[step](hidden)
            if level:
                hidden = torch.cat([hidden, syn_levels[level - 1]], dim=1)
            hidden = self.fuse[step](hidden)
        return torch.tanh(self.to_face(hidden))

    def forward(self, pixels: torch.Tensor, target: torch.Tensor | None = None
                ) -> dict[str, torch.Tensor]:
        """``logits`` of the recognition branch; with ``target`` and a synthesis branch,
        also ``fake``: the faces in the target expressions, 0..255."""
        rec_levels, syn_levels = self.encode(to_unit(pixels))
        out = {"logits": self.classifier(rec_levels[-1])}
        if target is not None and self.synthesises:
            out["fake"] = to_pixels(self.decode(syn_levels, target))
        return out

    def synthesize(self, pixels: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Faces (0..255) of ``pixels`` showing ``target``."""
        _, syn_levels = self.encode(to_unit(pixels))
        return to_pixels(self.decode(syn_levels, target))


class PatchDiscriminator(nn.Module):
    """PatchGAN: 4x4 stride-2 convolutions, instance norm (not on the first), LeakyReLU 0.2;
    one real/fake score per patch. 48 px -> a 3 x 3 map of scores."""

    def __init__(self, width: int = 32, layers: int = 4) -> None:
        super().__init__()
        body: list[nn.Module] = []
        c_in = 1
        for index in range(layers):
            c_out = width * 2 ** index
            body.append(nn.Conv2d(c_in, c_out, 4, stride=2, padding=1))
            if index:
                body.append(nn.InstanceNorm2d(c_out, affine=True))
            body.append(nn.LeakyReLU(0.2, inplace=True))
            c_in = c_out
        body.append(nn.Conv2d(c_in, 1, 3, padding=1))
        self.body = nn.Sequential(*body)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.body(to_unit(pixels))

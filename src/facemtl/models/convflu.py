"""The convolutional feature leaky unit (ConvFLU) of FERSNet (Zhao et al., ICPR 2020): a
GRU-like gate through which one branch takes from another only what helps it.

With ``x`` the receiving branch's features and ``y`` the other branch's (same shape):

    r  = sigmoid(W_r * [x, y])          which of y's features may pass
    f~ = tanh(W * (r . y) + U * x)      the candidate taken from y, in x's terms
    z  = sigmoid(W_z * [x, y])          how much of x to replace
    x' = (1 - z) . x + z . f~

``*`` is a 3x3 convolution without bias and ``.`` the element-wise product. One unit serves
one level in one direction; FERSNet puts one per level in each direction between its
recognition and synthesis branches, and the product network can put them between its
expression and attribute branches.
"""

from __future__ import annotations

import torch
from torch import nn


class ConvFLU(nn.Module):
    """One ConvFLU gate for feature maps of ``channels`` channels (any spatial size)."""

    def __init__(self, channels: int, kernel_size: int = 3, update_bias: float | None = None
                 ) -> None:
        """``update_bias`` gives the update gate a bias starting at that value: a negative
        one (z near 0) lets two branches that start from the same pretrained weights begin as
        separate networks and learn what to share, instead of mixing half their features
        from the first step."""
        super().__init__()
        padding = kernel_size // 2
        self.reset = nn.Conv2d(2 * channels, channels, kernel_size, padding=padding, bias=False)
        self.update = nn.Conv2d(2 * channels, channels, kernel_size, padding=padding,
                                bias=update_bias is not None)
        if update_bias is not None:
            nn.init.constant_(self.update.bias, update_bias)
        self.candidate_other = nn.Conv2d(channels, channels, kernel_size, padding=padding,
                                         bias=False)
        self.candidate_own = nn.Conv2d(channels, channels, kernel_size, padding=padding,
                                       bias=False)

    def gates(self, x: torch.Tensor, y: torch.Tensor
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(r, z, candidate): exposed so tests and analyses can look at what passes."""
        both = torch.cat([x, y], dim=1)
        r = torch.sigmoid(self.reset(both))
        z = torch.sigmoid(self.update(both))
        candidate = torch.tanh(self.candidate_other(r * y) + self.candidate_own(x))
        return r, z, candidate

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x's features after taking what the gate lets through from y."""
        _, z, candidate = self.gates(x, y)
        return (1 - z) * x + z * candidate

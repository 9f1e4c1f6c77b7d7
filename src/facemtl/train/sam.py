"""Sharpness-aware minimisation (Foret et al. 2021), the optimiser wrapper paper 1 uses.

Each step takes two gradients: one at the weights, used to move them by ``rho`` towards the
worst nearby point (``w + rho * g / |g|``), and one there, which the base optimiser (AdamW)
then applies at the original weights. It costs two forward/backward passes per batch and
favours flat minima, which generalise better on small, noisy data such as expressions.
"""

from __future__ import annotations

from collections.abc import Callable

import torch


class SAM:
    """``step(closure)`` where ``closure`` zeroes nothing, computes the loss and backpropagates."""

    def __init__(self, base: torch.optim.Optimizer, rho: float = 0.05) -> None:
        if rho <= 0:
            raise ValueError(f"SAM rho must be positive, got {rho}")
        self.base = base
        self.rho = rho
        self.param_groups = base.param_groups  # so LR schedulers drive the base optimiser

    def _params(self) -> list[torch.Tensor]:
        return [p for group in self.param_groups for p in group["params"] if p.grad is not None]

    @torch.no_grad()
    def _ascend(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        params = self._params()
        if not params:
            return []
        norm = torch.norm(torch.stack([p.grad.norm(2) for p in params]), 2)
        scale = self.rho / (norm + 1e-12)
        moved = []
        for p in params:
            e = p.grad * scale
            p.add_(e)
            moved.append((p, e))
        return moved

    def step(self, closure: Callable[[], torch.Tensor]) -> torch.Tensor:
        """One SAM step; returns the loss at the original weights."""
        self.base.zero_grad(set_to_none=True)
        loss = closure()
        moved = self._ascend()
        self.base.zero_grad(set_to_none=True)
        closure()
        with torch.no_grad():
            for p, e in moved:
                p.sub_(e)
        self.base.step()
        return loss

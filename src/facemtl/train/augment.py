"""Batch augmentation on the training device, in paper 1's spirit: horizontal flip, small
rotation, shift and zoom, shear, brightness/contrast jitter, and occasional greyscale (so
colour faces and the grey FER+ faces look alike to the network).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def augment(pixels: torch.Tensor, generator: torch.Generator | None = None, rotate: float = 10.0,
            shift: float = 0.06, zoom: float = 0.1, shear: float = 0.08, jitter: float = 0.25,
            grey_probability: float = 0.15, erase_probability: float = 0.0) -> torch.Tensor:
    """Augment float pixels (N, 3, H, W) in 0..255 with one random transform per image."""
    n = pixels.shape[0]
    device = pixels.device

    def uniform(low: float, high: float) -> torch.Tensor:
        return torch.rand(n, device=device, generator=generator) * (high - low) + low

    angle = uniform(-rotate, rotate) * math.pi / 180
    scale = 1.0 / uniform(1 - zoom, 1 + zoom)
    flip = torch.where(torch.rand(n, device=device, generator=generator) < 0.5, -1.0, 1.0)
    sh = uniform(-shear, shear)
    cos, sin = torch.cos(angle) * scale, torch.sin(angle) * scale
    theta = torch.zeros(n, 2, 3, device=device)
    theta[:, 0, 0] = cos * flip
    theta[:, 0, 1] = -sin + sh
    theta[:, 1, 0] = sin * flip
    theta[:, 1, 1] = cos
    theta[:, 0, 2] = uniform(-shift, shift) * 2
    theta[:, 1, 2] = uniform(-shift, shift) * 2
    grid = F.affine_grid(theta, list(pixels.shape), align_corners=False)
    out = F.grid_sample(pixels, grid, mode="bilinear", padding_mode="reflection",
                        align_corners=False)
    brightness = uniform(-jitter, jitter).view(n, 1, 1, 1) * 255 * 0.5
    contrast = uniform(1 - jitter, 1 + jitter).view(n, 1, 1, 1)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    out = (out - mean) * contrast + mean + brightness
    grey = (torch.rand(n, device=device, generator=generator) < grey_probability).view(n, 1, 1, 1)
    luma = (out * torch.tensor([0.299, 0.587, 0.114], device=device).view(1, 3, 1, 1)).sum(
        dim=1, keepdim=True)
    out = torch.where(grey, luma.expand_as(out), out)
    if erase_probability > 0:
        out = random_erase(out, erase_probability, generator)
    return out.clamp(0, 255)


def random_erase(pixels: torch.Tensor, probability: float, generator: torch.Generator | None = None,
                 area: tuple[float, float] = (0.02, 0.2)) -> torch.Tensor:
    """Fill one random rectangle per chosen image with grey (random erasing / cutout), which
    keeps the network from leaning on a single facial region."""
    n, _, height, width = pixels.shape
    device = pixels.device
    rand = torch.rand(n, 5, device=device, generator=generator)
    fraction = area[0] + rand[:, 0] * (area[1] - area[0])
    aspect = torch.exp((rand[:, 1] - 0.5) * 2 * math.log(2.0))
    h = (torch.sqrt(fraction * aspect) * height).clamp(1, height)
    w = (torch.sqrt(fraction / aspect) * width).clamp(1, width)
    top = rand[:, 2] * (height - h)
    left = rand[:, 3] * (width - w)
    ys = torch.arange(height, device=device).view(1, height, 1)
    xs = torch.arange(width, device=device).view(1, 1, width)
    inside = ((ys >= top.view(n, 1, 1)) & (ys < (top + h).view(n, 1, 1))
              & (xs >= left.view(n, 1, 1)) & (xs < (left + w).view(n, 1, 1)))
    chosen = (rand[:, 4] < probability).view(n, 1, 1)
    mask = (inside & chosen).unsqueeze(1)
    return torch.where(mask, torch.full_like(pixels, 127.5), pixels)

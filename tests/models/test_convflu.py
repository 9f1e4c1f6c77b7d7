"""The ConvFLU gate against a hand computation of its equations."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from facemtl.models.convflu import ConvFLU  # noqa: E402


def conv3x3(image: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Zero-padded 3x3 convolution (cross-correlation, as torch), written out by hand:
    image (C_in, H, W), weight (C_out, C_in, 3, 3) -> (C_out, H, W)."""
    c_in, height, width = image.shape
    padded = np.zeros((c_in, height + 2, width + 2))
    padded[:, 1:-1, 1:-1] = image
    out = np.zeros((weight.shape[0], height, width))
    for o in range(weight.shape[0]):
        for i in range(height):
            for j in range(width):
                out[o, i, j] = np.sum(padded[:, i:i + 3, j:j + 3] * weight[o])
    return out


def sigmoid(v: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-v))


def test_convflu_matches_its_equations():
    torch.manual_seed(0)
    unit = ConvFLU(2).double()
    x = torch.randn(1, 2, 4, 5, dtype=torch.float64)
    y = torch.randn(1, 2, 4, 5, dtype=torch.float64)
    out = unit(x, y)[0].detach().numpy()

    def w(conv: torch.nn.Conv2d) -> np.ndarray:
        assert conv.bias is None and conv.kernel_size == (3, 3)  # 3x3, no bias
        return conv.weight.detach().numpy()

    xn, yn = x[0].numpy(), y[0].numpy()
    both = np.concatenate([xn, yn])
    r = sigmoid(conv3x3(both, w(unit.reset)))
    z = sigmoid(conv3x3(both, w(unit.update)))
    candidate = np.tanh(conv3x3(r * yn, w(unit.candidate_other))
                        + conv3x3(xn, w(unit.candidate_own)))
    expected = (1 - z) * xn + z * candidate
    np.testing.assert_allclose(out, expected, rtol=1e-10, atol=1e-12)


def test_other_branch_reaches_only_through_the_gates():
    """With W (the path from y) and W_z zeroed, y can no longer change x's output:
    z = sigmoid(0) = 1/2 and x' = x/2 + tanh(U * x)/2."""
    torch.manual_seed(1)
    unit = ConvFLU(3)
    with torch.no_grad():
        unit.candidate_other.weight.zero_()
        unit.update.weight.zero_()
    x = torch.randn(2, 3, 6, 6)
    first, second = unit(x, torch.randn(2, 3, 6, 6)), unit(x, torch.randn(2, 3, 6, 6))
    assert torch.allclose(first, second)
    assert torch.allclose(first, 0.5 * x + 0.5 * torch.tanh(unit.candidate_own(x)))
    assert first.shape == x.shape

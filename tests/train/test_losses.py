from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from facemtl.labels import MISSING  # noqa: E402
from facemtl.train.losses import ccc_loss, multitask_loss  # noqa: E402


def _outputs(n: int, requires_grad: bool = True) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    out = {"expression": torch.randn(n, 8, generator=g), "age": torch.randn(n, 100, generator=g),
           "gender": torch.randn(n, generator=g), "ethnicity": torch.randn(n, 5, generator=g),
           "valence_arousal": torch.tanh(torch.randn(n, 2, generator=g))}
    return {k: v.requires_grad_(requires_grad) for k, v in out.items()}


def _batch() -> dict[str, torch.Tensor]:
    expression = torch.zeros(4, 8)
    expression[0, 4] = 1.0  # sample 0: an expression label only (a FER+ face)
    nan = float("nan")
    return {"expression": expression,
            "age": torch.tensor([MISSING, 30, 50, MISSING]),  # samples 1, 2: UTKFace faces
            "gender": torch.tensor([MISSING, 0, 1, MISSING]),
            "ethnicity": torch.tensor([MISSING, 2, MISSING, MISSING]),  # sample 2: race missing
            "valence": torch.tensor([nan] * 4), "arousal": torch.tensor([nan] * 4)}


def test_unlabelled_samples_get_no_gradient_from_a_head():
    outputs, batch = _outputs(4), _batch()
    total, parts = multitask_loss(outputs, batch)
    total.backward()
    assert set(parts) == {"expression", "age", "gender", "ethnicity"}
    # expression: only sample 0 contributes
    assert outputs["expression"].grad[1:].abs().sum() == 0
    assert outputs["expression"].grad[0].abs().sum() > 0
    # age and gender: samples 1 and 2; ethnicity: sample 1 only; sample 3 has no labels at all
    assert outputs["age"].grad[[0, 3]].abs().sum() == 0 and outputs["age"].grad[1].abs().sum() > 0
    assert outputs["ethnicity"].grad[[0, 2, 3]].abs().sum() == 0
    assert outputs["valence_arousal"].grad is None or outputs["valence_arousal"].grad.abs().sum() == 0


def test_loss_of_a_head_ignores_unlabelled_values():
    outputs, batch = _outputs(4, requires_grad=False), _batch()
    _, before = multitask_loss(outputs, batch)
    outputs["age"][0] += 100.0  # sample 0 has no age: changing its age output changes nothing
    outputs["age"][3] -= 100.0
    _, after = multitask_loss(outputs, batch)
    assert after["age"] == pytest.approx(before["age"])


def test_batch_without_any_label_gives_zero_loss():
    outputs = _outputs(2)
    batch = {"expression": torch.zeros(2, 8), "age": torch.tensor([MISSING] * 2),
             "gender": torch.tensor([MISSING] * 2), "ethnicity": torch.tensor([MISSING] * 2),
             "valence": torch.full((2,), float("nan")), "arousal": torch.full((2,), float("nan"))}
    total, parts = multitask_loss(outputs, batch)
    assert parts == {} and float(total.detach()) == 0.0


def test_ccc_is_zero_loss_for_perfect_agreement():
    x = torch.tensor([-0.6, -0.2, 0.2, 0.6])  # zero mean: CCC(x, -x) = -1
    assert float(ccc_loss(x, x)) == pytest.approx(0.0, abs=1e-6)
    assert float(ccc_loss(x, -x)) == pytest.approx(2.0, abs=1e-5)

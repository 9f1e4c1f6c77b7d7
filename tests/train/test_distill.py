"""Distillation from an exported teacher (train/distill.py): the loss against a hand
computation, and a short real run whose faces all get the teacher's targets."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from facemtl.train.distill import DISTILLED_HEADS, distillation_loss  # noqa: E402


def _outputs(batch: int = 3) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    return {"expression": torch.randn(batch, 8, generator=generator),
            "age": torch.randn(batch, 100, generator=generator),
            "gender": torch.randn(batch, generator=generator),
            "ethnicity": torch.randn(batch, 5, generator=generator)}


def test_distillation_loss_is_zero_when_the_student_answers_as_the_teacher():
    outputs = _outputs()
    teacher = {head: outputs[head].softmax(dim=1) for head in ("expression", "age", "ethnicity")}
    teacher["gender"] = torch.sigmoid(outputs["gender"])
    total, parts = distillation_loss(outputs, teacher)
    assert abs(float(total)) < 1e-5
    assert set(parts) == {f"teacher_{head}" for head in DISTILLED_HEADS}


def test_distillation_loss_is_the_kl_divergence_per_head():
    outputs = _outputs(batch=1)
    teacher = {"expression": torch.full((1, 8), 1 / 8), "age": torch.full((1, 100), 0.01),
               "ethnicity": torch.tensor([[1.0, 0, 0, 0, 0]]), "gender": torch.tensor([0.25])}
    _, parts = distillation_loss(outputs, teacher)
    q = outputs["expression"][0].softmax(dim=0).tolist()
    assert parts["teacher_expression"] == pytest.approx(
        sum(1 / 8 * math.log((1 / 8) / qi) for qi in q), rel=1e-4)
    assert parts["teacher_ethnicity"] == pytest.approx(
        -math.log(outputs["ethnicity"][0].softmax(dim=0)[0].item()), rel=1e-4)
    s = torch.sigmoid(outputs["gender"][0]).item()
    assert parts["teacher_gender"] == pytest.approx(
        0.25 * math.log(0.25 / s) + 0.75 * math.log(0.75 / (1 - s)), rel=1e-4)


def test_short_run_with_the_bundled_model_as_teacher(tmp_path, ferplus_dir, utkface_dir):
    """Every face, FER+ or UTKFace, gets all four heads' targets; the targets are cached and
    read back (same teacher, same crops) on resume."""
    from facemtl.train.config import TrainConfig
    from facemtl.train.trainer import Trainer

    config = TrainConfig.from_file(
        "configs/distill96.yaml", init="", pretrained=False, teacher="fast", input_size=48,
        datasets={"ferplus": str(ferplus_dir), "utkface": str(utkface_dir)},
        cache_dir=str(tmp_path / "cache"), limit=40, epochs=1, batch_size=16, max_steps=2,
        out_dir=str(tmp_path / "run"), progress=False)
    trainer = Trainer(config)
    result = trainer.fit()
    assert result["history"] and (tmp_path / "run" / "teacher.npz").exists()
    expression = trainer.labels["teacher_expression"].numpy()
    assert expression.shape == (80, 8) and np.allclose(expression.sum(axis=1), 1, atol=1e-4)
    gender = trainer.labels["teacher_gender"].numpy()
    assert gender.shape == (80,) and ((gender > 0) & (gender < 1)).all()
    before = (tmp_path / "run" / "teacher.npz").stat().st_mtime_ns
    again = Trainer(config)
    again.load_data()
    assert (tmp_path / "run" / "teacher.npz").stat().st_mtime_ns == before
    assert np.array_equal(again.labels["teacher_age"].numpy(), trainer.labels["teacher_age"].numpy())


def test_teacher_needs_age_bins():
    from facemtl.train.config import ConfigError, TrainConfig

    with pytest.raises(ConfigError, match="teacher"):
        TrainConfig(teacher="fast", age_head="regression")

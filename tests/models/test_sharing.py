"""Selective sharing (``sharing: selective``): expression and attribute branches joined by
ConvFLU gates, trained, exported and run through the ONNX runtime like the hard-shared net."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from facemtl.labels import MISSING  # noqa: E402
from facemtl.models.factory import create_model  # noqa: E402
from facemtl.models.multitask import SPLIT_STAGE  # noqa: E402
from facemtl.train.losses import multitask_loss  # noqa: E402


def _attribute_batch(n: int = 4) -> dict[str, torch.Tensor]:
    return {"expression": torch.zeros(n, 8), "age": torch.full((n,), 30),
            "gender": torch.ones(n, dtype=torch.long), "ethnicity": torch.zeros(n, dtype=torch.long),
            "valence": torch.full((n,), float("nan")), "arousal": torch.full((n,), float("nan")),
            "identity": torch.full((n,), MISSING)}


def _expression_stage_grad(net, pixels: torch.Tensor) -> float:
    """Size of the attribute loss's gradient on the expression branch's own later stages."""
    net.zero_grad()
    loss, _ = multitask_loss(net(pixels), _attribute_batch(len(pixels)), None)
    loss.backward()
    return sum(float(p.grad.abs().sum()) for p in net.backbone.blocks[SPLIT_STAGE:].parameters()
               if p.grad is not None)


def test_branches_start_as_copies_and_meet_only_through_the_gates():
    net = create_model("efficientnet_lite0", 64, pretrained=True, sharing="selective").eval()
    own = net.backbone.blocks[SPLIT_STAGE:].state_dict()
    for key, value in net.branch.blocks.state_dict().items():
        assert torch.equal(value, own[key]), key  # both branches start from ImageNet
    pixels = torch.rand(4, 3, 64, 64) * 255
    expression, attributes = net.branch_features(pixels)
    assert expression.shape == attributes.shape == (4, net.embedding_dim)
    assert not torch.allclose(expression, attributes)  # the gates already mix a little
    assert _expression_stage_grad(net, pixels) > 0  # the attribute loss reaches them ...
    with torch.no_grad():  # ... only through the gates: shut them and it stops
        for gate in net.branch.to_attributes:
            gate.update.weight.zero_()
            gate.update.bias.fill_(-1e4)
    assert _expression_stage_grad(net, pixels) == 0


def test_hard_sharing_has_one_trunk_and_the_same_features_twice():
    net = create_model("efficientnet_lite0", 64, pretrained=False).eval()
    assert net.branch is None and net.trunk() == [net.backbone]
    expression, attributes = net.branch_features(torch.rand(2, 3, 64, 64) * 255)
    assert expression is attributes
    selective = create_model("efficientnet_lite0", 64, pretrained=False, sharing="selective")
    trunk_ids = {id(p) for m in selective.trunk() for p in m.parameters()}
    assert all(id(p) not in trunk_ids for p in selective.head_parameters())
    assert len(trunk_ids) + len(selective.head_parameters()) == len(list(selective.parameters()))


def test_selective_run_exports_and_the_runtime_follows_its_card(tmp_path, ckplus_dir, utkface_dir):
    """Train a few steps with ``sharing: selective`` and detector framing, export, and get
    the same numbers from onnxruntime as from torch; the card records sharing and framing."""
    from facemtl.runtime.model import FaceModel
    from facemtl.train.config import TrainConfig
    from facemtl.train.export import export_checkpoint
    from facemtl.train.trainer import train

    config = TrainConfig.from_file(
        "configs/cpu_recipe.yaml", sharing="selective", pretrained=False, input_size=48,
        datasets={"utkface": str(utkface_dir)}, cache_dir=str(tmp_path / "cache"), limit=48,
        epochs=1, max_steps=2, batch_size=16, out_dir=str(tmp_path / "run"), progress=False)
    train(config)
    state = torch.load(tmp_path / "run" / "best.pt", weights_only=False)
    assert any(k.startswith("branch.to_expression.") for k in state["model"])
    onnx_path, card_path = export_checkpoint(tmp_path / "run" / "best.pt", tmp_path / "out", "sel")
    model = FaceModel.load(card_path)
    assert model.card.input.framing == "detector"
    assert "ConvFLU" in model.card.raw["architecture"]
    assert model.card.raw["training"]["config"]["sharing"] == "selective"
    faces = [np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)]
    from facemtl.models.build import build_model

    net = build_model(TrainConfig(**{**state["config"], "pretrained": False})).eval()
    net.load_state_dict(state["model"])
    with torch.no_grad():
        expected = net.predict(torch.from_numpy(np.stack(faces)).permute(0, 3, 1, 2).float())
    got = model.predict(faces)
    np.testing.assert_allclose(got["expression"], expected[1].numpy(), atol=1e-4)
    np.testing.assert_allclose(got["ethnicity"], expected[5].numpy(), atol=1e-4)

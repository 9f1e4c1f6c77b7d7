"""Paper 1's training recipe pieces: SAM, ArcFace, age heads, alternating batches, ONNX
models rebuilt in torch, and the stages run end to end on small real subsets."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from facemtl.labels import MISSING  # noqa: E402
from facemtl.train.losses import identity_loss, multitask_loss  # noqa: E402
from facemtl.train.sam import SAM  # noqa: E402
from facemtl.train.trainer import epoch_batches  # noqa: E402


def test_sam_restores_weights_and_uses_the_perturbed_gradient():
    torch.manual_seed(0)
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    base = torch.optim.SGD([w], lr=0.1)
    sam = SAM(base, rho=0.5)

    def closure():
        loss = (w ** 4).sum()
        loss.backward()
        return loss

    start = w.detach().clone()
    loss = sam.step(closure)
    assert float(loss) == pytest.approx(17.0)  # the loss at the original weights
    # the update is the gradient taken at w + rho * g / |g|, applied at the original w
    g = 4 * start ** 3
    moved = start + 0.5 * g / g.norm()
    assert torch.allclose(w.detach(), start - 0.1 * 4 * moved ** 3, atol=1e-5)
    with pytest.raises(ValueError, match="rho"):
        SAM(base, rho=0)


def test_arcface_widens_the_true_angle_only():
    cosine = torch.tensor([[0.8, 0.1, -0.2], [0.3, 0.9, 0.0]])
    labels = torch.tensor([0, 1])
    plain = torch.nn.functional.cross_entropy(30 * cosine, labels)
    margin = identity_loss(cosine, labels, arcface=(30.0, 0.5))
    assert margin > plain  # the margin makes the true class harder to win
    assert identity_loss(cosine, labels, arcface=(30.0, 0.0)) == pytest.approx(float(plain))
    assert identity_loss(cosine, labels) == pytest.approx(
        float(torch.nn.functional.cross_entropy(cosine, labels)))


def test_identity_loss_ignores_samples_without_identity():
    out = {"expression": torch.zeros(3, 8), "age": torch.zeros(3, 100),
           "gender": torch.zeros(3), "ethnicity": torch.zeros(3, 5),
           "valence_arousal": torch.zeros(3, 2), "identity": torch.randn(3, 4, requires_grad=True)}
    batch = {"expression": torch.zeros(3, 8), "age": torch.full((3,), MISSING),
             "gender": torch.full((3,), MISSING), "ethnicity": torch.full((3,), MISSING),
             "valence": torch.full((3,), float("nan")), "arousal": torch.full((3,), float("nan")),
             "identity": torch.tensor([2, MISSING, 0])}
    total, parts = multitask_loss(out, batch)
    total.backward()
    assert set(parts) == {"identity"}
    assert out["identity"].grad[1].abs().sum() == 0 and out["identity"].grad[0].abs().sum() > 0


def test_age_regression_head_trains_on_years():
    from facemtl.models import create_model
    from facemtl.runtime.decode import decode_age

    net = create_model("mobilenetv3_large_100", 32, age_head="regression").eval()
    outputs = net(torch.zeros(2, 3, 32, 32))
    assert outputs["age"].shape == (2, 1)
    years = net.predict(torch.zeros(2, 3, 32, 32))[3]
    assert years.shape == (2, 1)
    assert decode_age(years.detach().numpy(), "regression") == pytest.approx(
        years[:, 0].detach().numpy())
    batch = {"expression": torch.zeros(2, 8), "age": torch.tensor([20, MISSING]),
             "gender": torch.full((2,), MISSING), "ethnicity": torch.full((2,), MISSING),
             "valence": torch.full((2,), float("nan")), "arousal": torch.full((2,), float("nan"))}
    _, parts = multitask_loss(outputs, batch)
    assert np.isfinite(parts["age"])


def test_alternate_batches_come_from_one_data_set_each():
    sources = np.array([0] * 10 + [1] * 25)
    batches = epoch_batches(sources, 4, "alternate", torch.Generator().manual_seed(1))
    assert sorted(torch.cat(batches).tolist()) == list(range(35))  # every sample once
    kinds = [set(sources[b.numpy()]) for b in batches]
    assert all(len(k) == 1 for k in kinds)
    assert [k.pop() for k in kinds[:6]] == [0, 1, 0, 1, 0, 1]  # interleaved round-robin
    mixed = epoch_batches(sources, 4, "mixed", torch.Generator().manual_seed(1))
    assert sorted(torch.cat(mixed).tolist()) == list(range(35))


def test_int8_model_rebuilt_in_torch_is_its_float_network_rounded(tmp_path, media):
    """``facemtl export --int8``'s model, dequantised in torch: each convolution's weights are
    the float weights up to rounding (relative error of a few per cent at most), so an int8
    model can seed fine-tuning (``--init``). Calibrated here on 32 real face crops."""
    import cv2

    from facemtl.io import load_image
    from facemtl.models.from_onnx import load_onnx_model
    from facemtl.runtime.card import ModelCard, sha256_of
    from facemtl.runtime.registry import resolve_model
    from facemtl.train.quantize import quantize_int8

    source = ModelCard.load(resolve_model("fast"))  # float, one network
    size = source.input_size
    face = cv2.resize(load_image(media / "single_face.jpg"), (size + 16, size + 16))
    rng = np.random.default_rng(0)
    crops = np.stack([face[y:y + size, x:x + size][:, ::-1 if flip else 1]
                      for y, x, flip in rng.integers(0, [17, 17, 2], (32, 3))])
    int8 = quantize_int8(source.onnx_path, tmp_path / "fast_int8.onnx", crops)
    card = dict(source.raw, onnx={"file": int8.name, "sha256": sha256_of(int8), "opset": 17})
    (tmp_path / "fast_int8.json").write_text(json.dumps(card))
    rounded = load_onnx_model(tmp_path / "fast_int8.json").state_dict()
    original = load_onnx_model(source.path).state_dict()
    checked = 0
    for key, weight in original.items():
        if key.startswith("backbone.") and weight.ndim == 4:  # convolution weights
            error = float((rounded[key] - weight).norm() / weight.norm())
            assert error < 0.03, (key, error)
            checked += 1
    assert checked == 49
    assert load_onnx_model(resolve_model("fast"), input_size=64).input_size == 64


def test_accurate_is_the_mean_of_its_two_networks(media):
    """The accurate model's graph = the mean of its two 96-px networks (rebuilt in torch from
    the ONNX): ``fast`` 0.5's network on the face and its mirror image averaged (flip TTA),
    and ``fast`` 0.6's on the face as it is (the choice in benchmarks/choices/accurate-0.7.json;
    ``fast`` 0.6 is the network distilled from the first step, fast-0.6.json); its age decoder
    is the one chosen on validation data."""
    from facemtl import FaceAnalyzer
    from facemtl.io import load_image
    from facemtl.models.from_onnx import load_onnx_model
    from facemtl.runtime.preprocess import to_batch
    from facemtl.runtime.registry import resolve_model

    analyzer = FaceAnalyzer(model="accurate")
    card = analyzer.model.card
    members = card.raw["ensemble"]
    assert [m["input"]["size"] for m in members] == [96, 96]
    assert [m["inference"]["test_time_augmentation"] for m in members] == ["flip", None]
    assert [(m["name"], m["version"]) for m in members] == [("fast_flip", "0.5.0"),
                                                            ("fast", "0.6.0")]
    fast = json.loads(resolve_model("fast").read_text())
    assert members[1]["sha256"] == fast["onnx"]["sha256"]  # the second network is fast 0.6
    assert card.head("age").decoder == "expectation"
    rgb = load_image(media / "multi_face.jpg")
    faces = [analyzer.crop(rgb, d) for d in analyzer.detector.detect(rgb)]
    onnx_out = analyzer.model.predict(faces)
    pixels = torch.from_numpy(to_batch(faces, card.input_size))
    answers = []
    for index, member in enumerate(members):
        net = load_onnx_model(resolve_model("accurate"), member=index).eval()
        views = [pixels, pixels.flip(-1)] if member["inference"]["test_time_augmentation"] \
            else [pixels]
        with torch.no_grad():
            answers.append(np.mean([net.predict(view)[1].numpy() for view in views], axis=0))
    assert np.allclose(onnx_out["expression"], np.mean(answers, axis=0), atol=1e-4)
    assert not np.allclose(answers[0], answers[1], atol=1e-3)  # two networks


def test_finetune_bundled_model_on_class_folders(tmp_path, ckplus_dir, media, capsys):
    """``facemtl train --init base`` on a user's CLASS/image folders: a new label set."""
    from facemtl.cli.main import main
    from facemtl.runtime import ModelCard
    from tests.data.test_affectnet_folders import make_class_folders

    names = make_class_folders(tmp_path / "mine", ckplus_dir)
    run = tmp_path / "run"
    assert main(["train", "--init", "fast", "--data", f"folder={tmp_path / 'mine'}",
                 "--folder-crop", "full", "--epochs", "2", "--max-steps", "3",
                 "--batch-size", "8", "--input-size", "64", "--out", str(run),
                 "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    assert main(["export", str(run / "best.pt"), "--out", str(tmp_path / "m"),
                 "--name", "mine"]) == 0
    card = ModelCard.load(tmp_path / "m" / "mine.json")
    assert card.labels("expression") == names and card.trained("expression")
    assert not card.trained("age")  # only the heads this run trained are claimed
    capsys.readouterr()
    assert main(["analyze", str(media / "single_face.jpg"), "--model",
                 str(tmp_path / "m" / "mine.json"), "-q"]) == 0
    row = json.loads(capsys.readouterr().out.splitlines()[0])
    assert row["emotion"] in names and set(row["emotion_probs"]) == set(names)


def test_identity_stage_then_attributes_from_its_checkpoint(tmp_path, ckplus_dir, utkface_dir):
    """Stage 1 (ArcFace, SAM) on CK+ subjects, stage 2 starts from its backbone."""
    from facemtl.train.config import TrainConfig
    from facemtl.train.trainer import train

    stage1 = TrainConfig.from_file("configs/stage1_identity_arcface.yaml",
                                   datasets={"identity": str(ckplus_dir)}, pretrained=False,
                                   cache_dir=str(tmp_path / "cache"), limit=64, epochs=2,
                                   max_steps=3, out_dir=str(tmp_path / "s1"), progress=False)
    result = train(stage1)
    assert "identity" in result["history"][0]["valid"]
    state = torch.load(tmp_path / "s1" / "best.pt", weights_only=False)
    assert any(k.startswith("identity.") for k in state["model"])
    stage2 = TrainConfig.from_file("configs/stage2_attributes.yaml",
                                   datasets={"utkface": str(utkface_dir)},
                                   init=str(tmp_path / "s1" / "best.pt"),
                                   cache_dir=str(tmp_path / "cache"), limit=64, epochs=1,
                                   head_epochs=0, max_steps=2, out_dir=str(tmp_path / "s2"),
                                   progress=False)
    train(stage2)
    loaded = torch.load(tmp_path / "s2" / "best.pt", weights_only=False)["model"]
    assert not any(k.startswith("identity.") for k in loaded)  # the classifier is dropped
    key = "backbone.conv_stem.weight"
    assert not torch.equal(loaded[key], torch.zeros_like(loaded[key]))


def test_affectnet_csv_trains_valence_arousal(tmp_path, media, ckplus_dir):
    """Stage 3 on an AffectNet-layout CSV of real images: the valence/arousal head trains
    (CCC loss) and the exported card says so."""
    from facemtl.runtime import ModelCard
    from facemtl.train.config import TrainConfig
    from facemtl.train.export import export_checkpoint
    from facemtl.train.trainer import train
    from tests.data.test_affectnet_folders import write_affectnet

    write_affectnet(tmp_path / "affectnet", media, ckplus_dir)
    config = TrainConfig.from_file(
        "configs/stage3_expression.yaml", datasets={"affectnet": str(tmp_path / "affectnet")},
        init="", pretrained=False, backbone="mobilenetv3_large_100", input_size=48,
        cache_dir=str(tmp_path / "cache"), epochs=1, head_epochs=0, batch_size=16,
        max_steps=2, out_dir=str(tmp_path / "run"), progress=False)
    result = train(config)
    assert result["best"]["trained_heads"] == ["embedding", "expression", "valence_arousal"]
    _, card_path = export_checkpoint(tmp_path / "run" / "best.pt", tmp_path / "m", "va")
    card = ModelCard.load(card_path)
    assert card.trained("valence_arousal") and not card.trained("age")

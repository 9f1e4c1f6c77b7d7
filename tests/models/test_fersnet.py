"""FERSNet's branches, sharing modes and training pieces, on tiny real CK+48 subsets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from facemtl.models.fersnet import FERSNet, PatchDiscriminator  # noqa: E402
from facemtl.train.fersnet import (  # noqa: E402
    FersnetConfig,
    FoldTrainer,
    augment,
    pair_targets,
    synthesis_parameters,
    transfer_weights,
)

THREE = ["anger", "happiness", "surprise"]


@pytest.mark.parametrize("sharing", ["none", "hard", "convflu"])
def test_shapes_and_sharing(sharing):
    torch.manual_seed(0)
    net = FERSNet(7, 48, width=8, sharing=sharing).eval()
    pixels = torch.rand(3, 1, 48, 48) * 255
    out = net(pixels, torch.tensor([0, 3, 6]))
    assert out["logits"].shape == (3, 7)
    if sharing == "none":
        assert "fake" not in out and not hasattr(net, "synthesis")
        return
    fake = out["fake"]
    assert fake.shape == pixels.shape and fake.min() >= 0 and fake.max() <= 255
    assert PatchDiscriminator(8)(fake).shape == (3, 1, 3, 3)  # 48 px -> 3 x 3 patches
    if sharing == "hard":  # the first two blocks are the same modules in both branches
        assert net.synthesis[0] is net.recognition[0] and net.synthesis[1] is net.recognition[1]
        assert net.synthesis[2] is not net.recognition[2]
    else:
        assert len(net.to_recognition) == len(net.to_synthesis) == net.levels
    # the target changes the synthesised face, not the recognition
    other = net(pixels, torch.tensor([1, 1, 1]))
    assert torch.equal(other["logits"], out["logits"]) and not torch.equal(other["fake"], fake)


def test_convflu_lets_synthesis_features_into_recognition():
    """With ConvFLU sharing the recogniser depends on the synthesis encoder's weights; with
    no sharing it cannot."""
    torch.manual_seed(0)
    pixels = torch.rand(2, 1, 48, 48) * 255
    for sharing, depends in (("convflu", True), ("none", False)):
        net = FERSNet(7, 48, width=8, sharing=sharing).eval()
        before = net.classify(pixels)
        if sharing == "convflu":
            with torch.no_grad():
                for p in net.synthesis.parameters():
                    p.add_(0.5)
        assert (not torch.equal(before, net.classify(pixels))) == depends


def test_expression_loss_on_fakes_trains_only_the_synthesis_side():
    net = FERSNet(7, 48, width=8, sharing="convflu")
    chosen = {id(p) for p in synthesis_parameters(net)}
    assert not chosen & {id(p) for p in net.recognition.parameters()}
    assert not chosen & {id(p) for p in net.classifier.parameters()}
    assert not chosen & {id(p) for p in net.to_recognition.parameters()}
    assert {id(p) for p in net.up.parameters()} <= chosen
    assert {id(p) for p in net.to_synthesis.parameters()} <= chosen
    fake = net.synthesize(torch.rand(2, 1, 48, 48) * 255, torch.tensor([1, 2]))
    loss = torch.nn.functional.cross_entropy(net.classify(fake), torch.tensor([1, 2]))
    loss.backward(inputs=synthesis_parameters(net))
    assert all(p.grad is None for p in net.recognition.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in net.up.parameters())


def test_pairs_come_from_the_same_subject():
    labels = np.array([0, 1, 2, 0, 1])
    subjects = np.array(["S1", "S1", "S1", "S2", "S2"])
    rng = np.random.default_rng(0)
    pairs = pair_targets(labels, subjects, np.array([0, 3, 4]), np.array([2, 1, 2]), rng)
    assert pairs.tolist() == [2, 4, -1]  # S2 never posed class 2


def test_augment_keeps_shape_and_pixels():
    pixels = torch.arange(2 * 48 * 48, dtype=torch.float32).view(2, 1, 48, 48)
    out = augment(pixels, torch.Generator().manual_seed(0))
    assert out.shape == pixels.shape
    assert set(out.unique().tolist()) <= set(pixels.unique().tolist())


def test_fold_trainer_learns_and_balances(ckplus_dir):
    """Two epochs on 70 real CK+48 faces of three classes: losses are finite, synthetic
    balancing makes every class as large as the largest."""
    import cv2

    from facemtl.data.ckplus import read_ckplus

    samples = [s for s in read_ckplus(ckplus_dir)
               if s.path.parent.name in ("happy", "surprise", "fear")]
    samples = samples[:40] + samples[-30:]
    images = np.stack([cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE) for s in samples])
    names = sorted({s.path.parent.name for s in samples})
    labels = np.array([names.index(s.path.parent.name) for s in samples])
    subjects = np.array([s.subject for s in samples])
    config = FersnetConfig(width=8, epochs=2, batch_size=16, synthetic_epochs=1)
    trainer = FoldTrainer(config, names)
    trainer.fit(images, labels, subjects)
    assert len(trainer.log) == 2 and all(np.isfinite(v) for row in trainer.log
                                         for k, v in row.items() if k != "epoch")
    counts = np.bincount(labels, minlength=len(names))
    trainer.balance_and_finetune(images, labels)
    assert trainer.synthetic_count == int((counts.max() - counts).sum())
    assert trainer.predict(images).shape == labels.shape


def test_fit_resumes_from_its_checkpoint_to_the_same_weights(tmp_path, monkeypatch):
    """A run stopped after its first epoch's checkpoint and started again ends with the
    weights and log of a run never stopped; subjects=None (FER+) skips the pair loss."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (24, 48, 48), dtype=np.uint8)
    labels = np.arange(24) % 3
    config = FersnetConfig(width=4, epochs=2, batch_size=8)
    whole = FoldTrainer(config, THREE)
    whole.fit(images, labels, None)
    checkpoint = tmp_path / "fit.pt"
    saves = {"n": 0}
    real_save = torch.save

    def save_once(*args, **kwargs):
        saves["n"] += 1
        if saves["n"] == 2:
            raise KeyboardInterrupt  # "killed" before the second epoch's checkpoint
        real_save(*args, **kwargs)

    monkeypatch.setattr(torch, "save", save_once)
    with pytest.raises(KeyboardInterrupt):
        FoldTrainer(config, THREE).fit(images, labels, None, checkpoint=checkpoint)
    monkeypatch.setattr(torch, "save", real_save)
    resumed = FoldTrainer(config, THREE)
    resumed.fit(images, labels, None, checkpoint=checkpoint)
    assert [row["epoch"] for row in resumed.log] == [1, 2]
    for key, value in whole.net.state_dict().items():
        assert torch.allclose(value, resumed.net.state_dict()[key]), key


def test_balancing_controls_add_copies_or_nothing():
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, (20, 48, 48), dtype=np.uint8)
    labels = np.array([0] * 14 + [1] * 4 + [2] * 2)
    trainer = FoldTrainer(FersnetConfig(width=4, synthetic_epochs=1, batch_size=8,
                                        synthetic_cap=10), THREE)
    trainer.balance_and_finetune(images, labels, extra="oversample")
    assert trainer.synthetic_count == 0 and trainer.log[-1]["synthetic_epoch"] == 1
    trainer.balance_and_finetune(images, labels, extra="synthetic")
    assert trainer.synthetic_count == (10 - 4) + (10 - 2)  # capped at 10, not 14
    with pytest.raises(ValueError):
        trainer.balance_and_finetune(images, labels, extra="nothing")


def test_balancing_can_take_its_faces_from_another_synthesiser():
    """A recogniser alone cannot synthesise; given another FERSNet's synthesis path it is
    balanced with that network's faces, and the other network is left unchanged."""
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (20, 48, 48), dtype=np.uint8)
    labels = np.array([0] * 12 + [1] * 5 + [2] * 3)
    config = FersnetConfig(width=4, synthetic_epochs=1, batch_size=8)
    alone = FoldTrainer(dataclasses.replace(config, sharing="none"), THREE)
    with pytest.raises(ValueError, match="synthesis branch"):
        alone.balance_and_finetune(images, labels, extra="synthetic")
    maker = FoldTrainer(config, THREE).net
    before = {k: v.clone() for k, v in maker.state_dict().items()}
    alone.balance_and_finetune(images, labels, extra="synthetic", synthesiser=maker)
    assert alone.synthetic_count == (12 - 5) + (12 - 3)
    assert all(torch.equal(v, maker.state_dict()[k]) for k, v in before.items())


def test_initial_weights_carry_each_class_over_by_name(tmp_path):
    """config.init: a FERSNet trained on FER+'s eight classes starts a CK+ one with seven,
    each class's classifier row and target-embedding column taken by name; a recogniser
    alone takes the recognition branch and leaves the synthesis weights out."""
    eight = ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness",
             "surprise"]
    seven = [name for name in eight if name != "neutral"][::-1]  # another order too
    config = FersnetConfig(width=4, epochs=1, batch_size=8)
    source = FoldTrainer(config, eight)
    rng = np.random.default_rng(0)
    source.fit(rng.integers(0, 256, (16, 48, 48), dtype=np.uint8), np.arange(16) % 8, None,
               checkpoint=tmp_path / "fit.pt")
    saved = source.net.state_dict()
    started = FoldTrainer(FersnetConfig(width=4, init=str(tmp_path / "fit.pt")), seven)
    state = started.net.state_dict()
    for i, name in enumerate(seven):
        j = eight.index(name)
        assert torch.equal(state["classifier.3.weight"][i], saved["classifier.3.weight"][j])
        assert torch.equal(state["classifier.3.bias"][i], saved["classifier.3.bias"][j])
        assert torch.equal(state["target_embedding.weight"][:, i],
                           saved["target_embedding.weight"][:, j])
    assert torch.equal(state["to_recognition.0.update.weight"], saved["to_recognition.0.update.weight"])
    assert torch.equal(started.disc.state_dict()["body.0.weight"],
                       source.disc.state_dict()["body.0.weight"])
    alone = FERSNet(7, 48, width=4, sharing="none")
    copied = transfer_weights(alone, saved, eight, seven)
    assert copied and not any(k.startswith(("synthesis", "to_", "target")) for k in copied)
    assert torch.equal(alone.state_dict()["recognition.0.0.weight"],
                       saved["recognition.0.0.weight"])
    with pytest.raises(ValueError, match="no class"):
        transfer_weights(alone, saved, eight[:4], seven)
    with pytest.raises(FileNotFoundError, match="not found"):
        FoldTrainer(FersnetConfig(width=4, init=str(tmp_path / "none.pt")), seven)


def test_identity_loss_is_added_only_when_weighted():
    """The identity loss (asked for its own expression, the face is kept) is logged and
    trained when its weight is set; a weight of 0 leaves a run's arithmetic exactly as
    without the term, so earlier results are reproduced bit for bit."""
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (16, 48, 48), dtype=np.uint8)
    labels = np.arange(16) % 3
    base = FersnetConfig(width=4, epochs=1, batch_size=8)
    weights = dict(base.weights)
    runs = {}
    for name, identity in (("absent", None), ("zero", 0.0), ("five", 5.0)):
        config = FersnetConfig(width=4, epochs=1, batch_size=8,
                               weights=weights | ({} if identity is None
                                                  else {"identity": identity}))
        runs[name] = FoldTrainer(config, THREE)
        runs[name].fit(images, labels, None)
    assert "identity" not in runs["absent"].log[-1] and "identity" not in runs["zero"].log[-1]
    assert runs["five"].log[-1]["identity"] > 0
    absent, zero, five = (runs[n].net.state_dict() for n in ("absent", "zero", "five"))
    assert all(torch.equal(absent[k], zero[k]) for k in absent)
    assert any(not torch.equal(absent[k], five[k]) for k in absent)


def test_identity_loss_pulls_the_own_expression_face_towards_the_input(ckplus_dir):
    """Trained with a large identity weight on real CK+48 faces, FERSNet asked for a face's
    own expression returns something closer to that face than the same run without it."""
    import cv2

    from facemtl.data.ckplus import read_ckplus

    samples = read_ckplus(ckplus_dir)[::25][:32]
    images = np.stack([cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE) for s in samples])
    labels = np.arange(len(images)) % 3
    distance = {}
    for identity in (0.0, 50.0):
        config = FersnetConfig(width=4, epochs=2, batch_size=8, lr=5e-3, weights={
            "recognition": 1.0, "adversarial": 1.0, "expression": 1.0, "cycle": 0.0,
            "pair": 0.0, "identity": identity})
        trainer = FoldTrainer(config, THREE)
        trainer.fit(images, labels, None)
        with torch.no_grad():  # batch statistics: a few steps leave running ones unsettled
            x = torch.from_numpy(images).float().unsqueeze(1)
            kept = trainer.net.synthesize(x, torch.from_numpy(labels).long())
        distance[identity] = float((kept - x).abs().mean())
    assert distance[50.0] < 0.8 * distance[0.0], distance

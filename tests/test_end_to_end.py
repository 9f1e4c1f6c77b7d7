"""Train a tiny model for a few steps on small real subsets, export it, analyse a photo."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("timm")


def test_train_export_analyze(tmp_path, ferplus_dir, utkface_dir, media):
    from facemtl import FaceAnalyzer
    from facemtl.runtime import FaceModel, ModelCard
    from facemtl.train.config import TrainConfig
    from facemtl.train.export import export_checkpoint
    from facemtl.train.trainer import train

    config = TrainConfig(
        backbone="mobilenetv3_large_100", input_size=48, pretrained=False,
        datasets={"ferplus": str(ferplus_dir), "utkface": str(utkface_dir)},
        cache_dir=str(tmp_path / "cache"), limit=96, epochs=2, head_epochs=0, batch_size=32,
        max_steps=4, warmup_steps=1, out_dir=str(tmp_path / "run"), progress=False)
    result = train(config)
    assert result["best"]["epoch"] in (1, 2)
    run = tmp_path / "run"
    assert (run / "last.pt").exists() and (run / "best.pt").exists()
    history = json.loads((run / "history.json").read_text())
    assert history and {"expression", "age", "gender", "ethnicity"} <= set(history[0]["valid"])

    # resume: a second call picks up after the saved epoch instead of starting over
    config.max_steps = 8
    resumed = train(config)
    assert len(resumed["history"]) == 2

    onnx_path, card_path = export_checkpoint(run / "best.pt", tmp_path / "export", "tiny")
    card = ModelCard.load(card_path)
    assert card.input_size == 48 and card.trained("expression") and card.trained("age")
    assert not card.trained("valence_arousal")  # no valence/arousal labels in FER+/UTKFace

    analyzer = FaceAnalyzer(model=FaceModel.load(card_path))
    faces = analyzer.analyze(media / "multi_face.jpg")
    assert len(faces) == 5 and all(f.emotion and f.age is not None for f in faces)

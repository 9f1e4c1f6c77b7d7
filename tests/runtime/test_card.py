from __future__ import annotations

import json
import shutil
import sys

import numpy as np
import pytest

from facemtl.errors import ModelError
from facemtl.io import load_image
from facemtl.runtime import FaceModel, ModelCard, available_models, resolve_model
from facemtl.runtime.card import sha256_of

BUNDLED = ("fast", "accurate")


def tolerance(card: ModelCard, int8: float) -> float:
    """How closely a re-measurement must match the card. Float models reproduce exactly.
    int8 models do not across CPUs: onnxruntime's u8s8 kernels saturate on x86 CPUs without
    AVX512-VNNI/AVX-VNNI and not on those with it, so the same weights give other numbers
    (the fast card was measured on a machine without VNNI: CK+48 0.618; on an AMD EPYC with
    VNNI it gives 0.646; see docs/MODELS.md)."""
    return int8 if card.inference.get("quantization") else 1e-6


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_model_card_is_complete(name):
    assert set(BUNDLED) <= set(available_models())
    card = ModelCard.load(resolve_model(name))
    assert card.raw["onnx"]["sha256"] == sha256_of(card.onnx_path)
    assert card.labels("expression")[:2] == ["anger", "contempt"]
    assert card.labels("ethnicity") == ["white", "black", "asian", "indian", "other"]
    assert card.head("age").decoder in ("top2", "expectation")
    for key in ("ferplus/test", "utkface/test", "ckplus/all", "identity/all"):
        assert key in card.raw["metrics"], f"card lacks test metrics for {key}"
    assert "breakdown" in card.raw["metrics"]["utkface/test"]


def test_corrupt_weights_are_refused(tmp_path):
    source = resolve_model("fast")
    shutil.copy(source, tmp_path / "m.json")
    data = bytearray(ModelCard.load(source).onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "fast.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        FaceModel.load(tmp_path / "m.json")


def test_unknown_model_name_and_bad_card(tmp_path):
    with pytest.raises(ModelError, match="unknown model"):
        resolve_model("no-such-model")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "something else"}))
    with pytest.raises(ModelError, match="not a facemtl-card"):
        ModelCard.load(bad)


@pytest.mark.parametrize("name", BUNDLED)
def test_ckplus_evaluation_reproduces_the_card(ckplus_dir, name):
    """`facemtl evaluate` must give the numbers the card reports (CK+48 is the quick one)."""
    from facemtl.evaluation import evaluate

    card = ModelCard.load(resolve_model(name))
    recorded = card.raw["metrics"]["ckplus/all"]["expression"]
    result = evaluate("ckplus", ckplus_dir, "all", model=name, progress=False)
    measured = result["metrics"]["expression"]
    assert measured["accuracy"] == pytest.approx(recorded["accuracy"], abs=tolerance(card, 0.04))
    assert measured["macro_f1"] == pytest.approx(recorded["macro_f1"], abs=tolerance(card, 0.05))
    assert measured["accuracy"] > 0.55  # 7-way posed expressions; chance is about 0.25


def test_orl_verification_reproduces_the_card(data_root):
    """Identity verification with the fast model's embedding on ORL, as its card reports."""
    from facemtl.evaluation import evaluate

    orl = data_root / "att_faces"
    if not orl.is_dir():
        pytest.skip(f"{orl} not found")
    card = ModelCard.load(resolve_model("fast"))
    recorded = card.raw["metrics"]["identity/all"]["identity"]
    measured = evaluate("identity", orl, "all", model="fast", progress=False)["metrics"]["identity"]
    assert measured["roc_auc"] == pytest.approx(recorded["roc_auc"], abs=tolerance(card, 0.01))
    assert measured["rank1"] == pytest.approx(recorded["rank1"], abs=tolerance(card, 0.03))
    assert measured["roc_auc"] > 0.8 and measured["pairs"] == 2 * measured["positive_pairs"]


def copy_card(tmp_path, name: str = "fast", **input_changes) -> ModelCard:
    source = ModelCard.load(resolve_model(name))
    shutil.copy(source.onnx_path, tmp_path / source.onnx_path.name)
    raw = json.loads(source.path.read_text())
    raw["input"].update(input_changes)
    (tmp_path / "copy.json").write_text(json.dumps(raw))
    return ModelCard.load(tmp_path / "copy.json")


def test_runtime_follows_the_cards_crop(tmp_path, media):
    """Before: the card's input.crop was never read; a model trained on aligned faces got
    tight boxes at inference."""
    from facemtl import FaceAnalyzer
    from facemtl.io import load_image

    aligned = FaceAnalyzer(model=FaceModel(copy_card(tmp_path, crop="aligned")))
    tight = FaceAnalyzer(model="fast")
    assert aligned.align and not tight.align
    assert not FaceAnalyzer(model=FaceModel(copy_card(tmp_path, crop="aligned")),
                            align=False).align  # an explicit choice still wins
    rgb = load_image(media / "single_face.jpg")
    detection = tight.detector.detect(rgb)[0]
    assert aligned.crop(rgb, detection).shape[:2] == (aligned.model.input_size,) * 2
    assert tight.crop(rgb, detection).shape[:2] != (tight.model.input_size,) * 2
    assert aligned.analyze(rgb)[0].emotion_probs != tight.analyze(rgb)[0].emotion_probs
    with pytest.raises(ModelError, match="crop 'diagonal' is not one of"):
        copy_card(tmp_path, crop="diagonal")


def test_card_heads_are_typed():
    card = ModelCard.load(resolve_model("accurate"))
    assert card.input.size == card.input_size and card.input.crop == "tight"
    assert card.head("gender").threshold == 0.5 and card.head("gender").labels == (
        "male", "female")
    assert card.head("age").decoder == "expectation" and not card.head("valence_arousal").trained
    assert card.head("no_such_head").trained is False


def test_record_metrics_writes_the_reproducing_command(tmp_path, ckplus_dir, monkeypatch):
    """Before: --write-card recorded sys.argv (wrong when called from Python) and could
    write into the installed package's own cards."""
    import facemtl.evaluation as evaluation
    from facemtl.errors import FacemtlError

    model = FaceModel(copy_card(tmp_path))
    result = evaluation.evaluate("ckplus", ckplus_dir, model=model, progress=False)
    assert result["split"] == "all"  # the data set's default split
    monkeypatch.setattr(sys, "argv", ["pytest", "-k", "whatever"])
    path = evaluation.record_metrics(model, result, ckplus_dir, str(tmp_path / "copy.json"))
    recorded = json.loads(path.read_text())["metrics"]["ckplus/all"]
    assert recorded["command"] == (f"facemtl evaluate --dataset ckplus --data {ckplus_dir} "
                                   f"--split all --model {tmp_path / 'copy.json'}")
    assert recorded["expression"]["accuracy"] == result["metrics"]["expression"]["accuracy"]
    bundled = FaceModel.load("fast")
    monkeypatch.setattr(evaluation, "_source_checkout", lambda: False)  # as if pip-installed
    before = bundled.card.path.read_bytes()
    with pytest.raises(FacemtlError, match="inside the installed package is not written"):
        evaluation.record_metrics(bundled, result, ckplus_dir)
    assert bundled.card.path.read_bytes() == before


def test_evaluate_follows_the_card_framing_and_records_another(tmp_path, ckplus_dir):
    """``evaluate`` frames data sets as the card says the model was trained; another framing
    is measured on request and recorded under its own key, with its flag in the command."""
    import facemtl.evaluation as evaluation

    model = FaceModel(copy_card(tmp_path))  # fast: trained on the detector's framing
    assert model.card.input.framing == "detector"
    # accurate 0.5's two networks were trained on the detector's framing too, and its card
    # says so where the runtime reads it and in each member's training config
    accurate = ModelCard.load(resolve_model("accurate"))
    assert accurate.input.framing == "detector"
    assert [m["training"]["config"]["framing"] for m in accurate.raw["ensemble"]] == \
        ["detector", "detector"]
    own = evaluation.evaluate("ckplus", ckplus_dir, "valid", model=model, progress=False)
    other = evaluation.evaluate("ckplus", ckplus_dir, "valid", model=model, progress=False,
                                framing="dataset")
    assert (own["framing"], other["framing"]) == ("detector", "dataset")
    assert own["n"] == other["n"] == 468
    assert own["metrics"] != other["metrics"]  # other crops, other answers
    recorded = model.card.raw["metrics"]["ckplus/valid"]["expression"]["accuracy"]
    assert own["metrics"]["expression"]["accuracy"] == pytest.approx(recorded, abs=1e-6)
    path = evaluation.record_metrics(model, other, ckplus_dir, str(tmp_path / "copy.json"))
    metrics = json.loads(path.read_text())["metrics"]
    assert metrics["ckplus/valid"]["expression"]["accuracy"] == recorded  # left as it was
    assert metrics["ckplus/valid/dataset-framing"]["command"].endswith("--framing dataset")


def test_the_runtime_and_evaluate_follow_the_cards_logit_adjustment(tmp_path, media,
                                                                      ckplus_dir):
    """The card's ``outputs.expression.adjustment`` changes the answer (probabilities and
    label) the way ``adjust_expression`` says, in ``analyze`` and in ``evaluate`` alike;
    ``predict`` stays the network's raw output."""
    import facemtl.evaluation as evaluation
    from facemtl import FaceAnalyzer
    from facemtl.runtime.decode import adjust_expression

    bundled = FaceModel.load("fast")
    assert bundled.card.head("expression").tau > 0  # chosen on validation, in the card
    raw = json.loads(bundled.card.path.read_text())
    for tau, name in ((0.0, "plain.json"), (1.0, "strong.json")):
        raw["outputs"]["expression"]["adjustment"]["tau"] = tau
        (tmp_path / name).write_text(json.dumps(raw))
    shutil.copy(bundled.card.onnx_path, tmp_path / bundled.card.onnx_path.name)
    plain, strong = (FaceModel(ModelCard.load(tmp_path / n)) for n in ("plain.json",
                                                                       "strong.json"))
    rgb = load_image(media / "multi_face.jpg")
    analyzer = FaceAnalyzer(model=plain)
    crops = [analyzer.crop(rgb, d) for d in analyzer.detector.detect(rgb)]
    outputs = plain.predict(crops)
    head = strong.card.head("expression")
    expected = adjust_expression(outputs["expression"], head.train_shares, 1.0)
    got = np.array([[f["emotion_probs"][k] for k in head.labels] for f in strong(crops)])
    assert np.allclose(got, expected, atol=1e-6)
    assert not np.allclose(got, outputs["expression"], atol=1e-3)
    measured = [evaluation.evaluate("ckplus", ckplus_dir, "valid", model=m, progress=False)
                ["metrics"]["expression"]["per_class_recall"] for m in (plain, strong)]
    rare = [sum(recall[c] for c in ("contempt", "disgust", "fear")) for recall in measured]
    assert rare[1] > rare[0]  # rare classes need less evidence to win



def test_a_tau_given_at_load_time_replaces_the_cards(media, ckplus_dir):
    """``FaceModel.load(..., tau=T)`` (and ``FaceAnalyzer(tau=T)``, ``--tau``) answers with
    strength T instead of the card's; 0 gives the network's own probabilities. ``evaluate``
    says which tau its figures were made with, and they are not recorded in the card.
    Impossible values are refused in one line."""
    import facemtl.evaluation as evaluation
    from facemtl import FaceAnalyzer
    from facemtl.errors import FacemtlError, ModelError
    from facemtl.runtime.decode import adjust_expression

    card_model = FaceModel.load("fast")
    head = card_model.card.head("expression")
    assert card_model.tau == head.tau > 0
    plain, strong = FaceModel.load("fast", tau=0), FaceModel.load("fast", tau=1.0)
    analyzer = FaceAnalyzer(model=plain)
    rgb = load_image(media / "multi_face.jpg")
    crops = [analyzer.crop(rgb, d) for d in analyzer.detector.detect(rgb)]
    raw = plain.predict(crops)["expression"]
    for model, expected in ((plain, raw), (strong, adjust_expression(raw, head.train_shares,
                                                                       1.0))):
        got = np.array([[f["emotion_probs"][k] for k in head.labels] for f in model(crops)])
        assert np.allclose(got, expected, atol=1e-6)
    assert FaceAnalyzer(model="fast", tau=0.0).model.tau == 0.0
    assert card_model.adjusted_as_card and FaceModel.load("fast", tau=head.tau).adjusted_as_card
    assert not plain.adjusted_as_card
    result = evaluation.evaluate("ckplus", ckplus_dir, "valid", model=plain, progress=False)
    assert result["tau"] == 0.0
    with pytest.raises(FacemtlError, match="not the card's own adjustment"):
        evaluation.record_metrics(plain, result, ckplus_dir)
    assert "tau" not in evaluation.evaluate("ckplus", ckplus_dir, "valid", model=card_model,
                                            progress=False)
    with pytest.raises(ValueError, match="FaceModel.load"):
        FaceAnalyzer(model=plain, tau=0.3)
    with pytest.raises(ModelError, match="0 or more"):
        FaceModel.load("fast", tau=-0.1)

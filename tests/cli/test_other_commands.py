from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_analyze_cli import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_single_face_photo(media):
    result = run_cli("analyze", str(media / "single_face.jpg"), "-q")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["face"] == 0 and rows[0]["box"][2] > 100


def test_evaluate_json_on_ckplus(ckplus_dir):
    result = run_cli("evaluate", "--dataset", "ckplus", "--data", str(ckplus_dir), "--json", "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 981 and report["split"] == "all"
    expression = report["metrics"]["expression"]
    assert set(expression["per_class_recall"]) == {"anger", "contempt", "disgust", "fear",
                                                   "happiness", "sadness", "surprise"}
    assert 0 < expression["macro_f1"] <= 1 and 0.55 < expression["accuracy"] <= 1
    confusion = expression["confusion"]
    assert len(confusion) == 8 and sum(map(sum, confusion)) == 981


def test_evaluate_with_another_tau_says_so_and_keeps_the_card(ckplus_dir):
    """``--tau 0`` measures the network's own answer (the figure before the logit
    adjustment, as benchmarks/prior_correction.py takes it) and records the tau it used;
    with ``--write-card`` it is refused, since the card keeps its own answers' figures."""
    from facemtl.runtime import ModelCard, resolve_model

    result = run_cli("evaluate", "--model", "fast", "--dataset", "ckplus", "--data",
                     str(ckplus_dir), "--split", "valid", "--tau", "0", "--json", "-q")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    card = ModelCard.load(resolve_model("fast"))
    prior = json.loads((ROOT / "benchmarks" / "results" / "prior_correction-fast.json")
                       .read_text())
    assert report["tau"] == 0.0
    assert report["metrics"]["expression"]["accuracy"] == pytest.approx(
        prior["ckplus/valid"]["0.0"]["accuracy"], abs=0.003)
    assert report["metrics"]["expression"]["accuracy"] != pytest.approx(
        card.raw["metrics"]["ckplus/valid"]["expression"]["accuracy"], abs=1e-6)
    refused = run_cli("evaluate", "--model", "fast", "--dataset", "ckplus", "--data",
                      str(ckplus_dir), "--tau", "0", "--write-card", "-q")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "--write-card" in refused.stderr and "Traceback" not in refused.stderr


def test_evaluate_bad_data_folder_is_one_line(tmp_path):
    result = run_cli("evaluate", "--dataset", "ferplus", "--data", str(tmp_path), "-q")
    assert result.returncode == 2
    assert "label file not found" in result.stderr and "Traceback" not in result.stderr


def test_models_lists_the_bundled_models():
    result = run_cli("models")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert names == ["accurate", "fast", "fersnet_ckplus", "fersnet_ferplus",
                     "fersnet_ferplus_faithful"]
    assert result.stdout.count("ferplus/test") == 2
    assert ("fast  efficientnet_lite0  96px rgb  logit adjustment tau 0.1  "
            "detector framing") in result.stdout
    assert ("accurate  mean of fast_flip 0.5.0 (96px) + fast 0.6.0 (96px)  96px rgb  "
            "flip TTA in some members  detector framing") in result.stdout
    assert "fersnet_ckplus  synthesis  48px grey" in result.stdout
    assert "fersnet_ferplus  synthesis  48px grey  default of synthesize" in result.stdout
    assert "fersnet_ckplus  synthesis  48px grey  expressions" in result.stdout


def test_train_rejects_malformed_data_argument():
    result = run_cli("train", "--data", "ferplus", "--epochs", "1")
    assert result.returncode == 2
    assert "expected NAME=DIR" in result.stderr and "Traceback" not in result.stderr


def test_failed_int8_export_leaves_no_model(tmp_path):
    pytest.importorskip("torch")
    result = run_cli("export", "fast", "--out", str(tmp_path / "out"), "--name", "q",
                     "--int8", f"ferplus={tmp_path / 'missing'}")
    assert result.returncode == 2
    assert "label file not found" in result.stderr and "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("q.*"))  # no float model left under the name

"""``facemtl export A B``: one ONNX graph whose heads are the members' mean
(``facemtl.train.ensemble``), and ``--member`` writing one network of it out again."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from tests.cli.test_other_commands import run_cli

pytest.importorskip("onnx")


def test_area_matrix_resizes_as_opencv_does():
    from facemtl.train.ensemble import area_matrix

    image = np.random.default_rng(0).uniform(0, 255, (96, 96)).astype(np.float32)
    matrix = area_matrix(96, 64)
    expected = cv2.resize(image, (64, 64), interpolation=cv2.INTER_AREA)
    assert np.abs(matrix @ image @ matrix.T - expected).max() < 1e-3


def test_an_ensemble_answers_the_mean_of_its_members(tmp_path, media):
    """Two members at the same size: the ensemble's every head is their mean on real faces,
    its embedding their unit vectors joined; the card records both members."""
    from facemtl import FaceAnalyzer
    from facemtl.runtime import FaceModel
    from facemtl.train.ensemble import export_ensemble

    fast = FaceModel.load("fast")
    exported = run_cli("export", "fast", "--flip-tta", "--out", str(tmp_path), "--name",
                       "flipped")  # fast has no TTA: this one averages the mirror image too
    assert exported.returncode == 0, exported.stderr
    _, card_path = export_ensemble(["fast", tmp_path / "flipped.json"], tmp_path, "pair")
    pair, flipped = FaceModel.load(card_path), FaceModel.load(tmp_path / "flipped.json")
    analyzer = FaceAnalyzer(model=fast)
    rgb = cv2.cvtColor(cv2.imread(str(media / "multi_face.jpg")), cv2.COLOR_BGR2RGB)
    faces = [analyzer.crop(rgb, d) for d in analyzer.detector.detect(rgb)]
    assert len(faces) > 1
    got, a, b = pair.predict(faces), fast.predict(faces), flipped.predict(faces)
    for head in ("expression", "age", "gender", "ethnicity"):
        assert np.allclose(got[head], (a[head] + b[head]) / 2, atol=1e-5), head
    assert not np.allclose(a["expression"], b["expression"], atol=1e-4)  # two answers
    unit = [x["embedding"] / np.linalg.norm(x["embedding"], axis=1, keepdims=True)
            for x in (a, b)]
    assert np.allclose(got["embedding"], np.concatenate(unit, axis=1), atol=1e-5)
    raw = json.loads(card_path.read_text())
    assert [m["name"] for m in raw["ensemble"]] == ["fast", "flipped"]
    assert raw["input"]["framing"] == "detector" and raw["outputs"]["embedding"]["dim"] == 2560
    # fast's logit adjustment was chosen for fast alone: the ensemble does not inherit it
    assert fast.card.head("expression").tau and "adjustment" not in raw["outputs"]["expression"]


@pytest.fixture(scope="module")
def pair_card(tmp_path_factory):
    """Two networks of different sizes as one ensemble: the bundled ``fast`` re-exported at
    64 px with flip TTA (``facemtl export fast --input-size 64 --flip-tta``), then ``fast``
    itself (96 px, no TTA)."""
    from facemtl.train.ensemble import export_ensemble

    folder = tmp_path_factory.mktemp("pair")
    small = run_cli("export", "fast", "--input-size", "64", "--flip-tta", "--out", str(folder),
                    "--name", "small")
    assert small.returncode == 0, small.stderr
    _, card_path = export_ensemble([folder / "small.json", "fast"], folder, "pair")
    return card_path


def test_a_smaller_member_gets_the_crop_area_averaged_down(pair_card, media):
    """Members of different sizes: the 64-px one is fed the 96-px crop area-averaged down
    inside the graph; each member keeps its own test-time augmentation (flip or none); the
    answer is their mean."""
    torch = pytest.importorskip("torch")
    from facemtl import FaceAnalyzer
    from facemtl.io import load_image
    from facemtl.models.from_onnx import load_onnx_model
    from facemtl.runtime.preprocess import to_batch
    from facemtl.train.ensemble import area_matrix

    analyzer = FaceAnalyzer(model=str(pair_card))
    size = analyzer.model.card.input_size
    assert size == 96
    records = json.loads(pair_card.read_text())["ensemble"]
    assert [r["input"]["size"] for r in records] == [64, 96]
    flips = [r["inference"]["test_time_augmentation"] == "flip" for r in records]
    assert flips == [True, False]
    rgb = load_image(media / "multi_face.jpg")
    faces = [analyzer.crop(rgb, d) for d in analyzer.detector.detect(rgb)]
    onnx_out = analyzer.model.predict(faces)
    pixels = torch.from_numpy(to_batch(faces, size))
    members = []
    for index, flip in enumerate(flips):
        net = load_onnx_model(pair_card, member=index).eval()
        view = pixels
        if net.input_size != size:
            area = torch.from_numpy(area_matrix(size, net.input_size))
            view = area @ pixels @ area.T
        with torch.no_grad():
            answer = net.predict(view)[1]
            if flip:
                answer = (answer + net.predict(view.flip(3))[1]) / 2
        members.append(answer.numpy())
    assert [m.shape for m in members] == [onnx_out["expression"].shape] * 2
    assert np.allclose(onnx_out["expression"], np.mean(members, axis=0), atol=1e-4)
    for alone in members:  # each member alone answers otherwise
        assert not np.allclose(onnx_out["expression"], alone, atol=1e-3)


def test_a_member_is_written_out_again(tmp_path, pair_card):
    """``--member 1`` of an ensemble is that network again, with its own card fields (here
    the bundled ``fast``: 96 px) and no ensemble left in its card."""
    result = run_cli("export", str(pair_card), "--member", "1", "--flip-tta", "--out",
                     str(tmp_path), "--name", "back")
    assert result.returncode == 0, result.stderr
    card = json.loads((tmp_path / "back.json").read_text())
    assert "ensemble" not in card and card["input"]["size"] == 96
    assert card["input"]["framing"] == "detector" and card["outputs"]["embedding"]["dim"] == 1280
    record = json.loads(pair_card.read_text())["ensemble"][1]
    assert card["derived_from"]["member"] == 1
    assert card["derived_from"]["member_model"] == record["name"] == "fast"
    assert card["derived_from"]["member_version"] == record["version"]
    mistake = run_cli("export", str(pair_card), "--out", str(tmp_path), "--name", "x")
    assert mistake.returncode == 2 and "an ensemble of 2 networks; pick one" in mistake.stderr
    assert not list(tmp_path.glob("x.*"))


@pytest.mark.parametrize(("arguments", "message"), [
    (["fast", "accurate", "--flip-tta"], "--flip-tta: not for an ensemble"),
    (["fast", "fast", "--input-size", "64"], "--input-size: not for an ensemble"),
    (["fast", "fast", "--member", "0"], "--member: not for an ensemble"),
    (["fast", "fersnet_ckplus"], "a synthesis model cannot join an ensemble"),
    (["fast", "--member", "0"], "no ensemble member 0"),
    (["fast", "--framing", "detector"], "--framing: only for an ensemble"),
    (["best.pt", "--input-size", "64"], "--input-size: for a bundled model or card"),
    (["fast", "--input-size", "0"], "--input-size 0: must be at least 32 pixels"),
    (["fast", "--input-size", "-5"], "--input-size -5: must be at least 32 pixels"),
])
def test_export_mistakes_are_one_line(tmp_path, arguments, message):
    result = run_cli("export", *arguments, "--out", str(tmp_path), "--name", "x")
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("x.*"))

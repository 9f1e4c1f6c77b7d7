from __future__ import annotations

import numpy as np
from PIL import Image

from facemtl import Face
from facemtl.results import FIELDS


def test_multi_face_photo_gives_five_faces_with_every_field(media, analyzer):
    faces = analyzer.analyze(media / "multi_face.jpg")
    assert len(faces) == 5
    for face in faces:
        assert isinstance(face, Face)
        row = face.to_dict()
        assert tuple(row) == FIELDS
        assert row["emotion"] in row["emotion_probs"]
        assert abs(sum(row["emotion_probs"].values()) - 1) < 1e-2
        assert 0 < row["age"] < 100 and row["gender"] in ("male", "female")
        assert 0.5 <= row["gender_prob"] <= 1 and row["ethnicity"] in row["ethnicity_probs"]
        assert len(row["landmarks"]) == 5 and row["box"][2] >= 20
        # valence/arousal: the bundled model's card marks that head untrained -> None
        assert row["valence"] is None and row["arousal"] is None


def test_smiling_group_reads_as_happy(media, analyzer):
    faces = analyzer.analyze(media / "multi_face.jpg")
    assert sum(f.emotion == "happiness" for f in faces) >= 3


def test_no_face_image(media, analyzer):
    assert analyzer.analyze(media / "free-mountain-vector-01.jpg") == []


def test_input_forms_agree(media, analyzer):
    rgb = np.asarray(Image.open(media / "single_face.jpg").convert("RGB"))
    a = analyzer.analyze(media / "single_face.jpg")
    b = analyzer.analyze(rgb)
    c = analyzer.analyze(rgb[:, :, ::-1].copy(), channel_order="bgr")
    d = analyzer.analyze(Image.open(media / "single_face.jpg"))
    assert len(a) == len(b) == len(c) == len(d) == 1
    assert a[0].emotion_probs == b[0].emotion_probs == c[0].emotion_probs == d[0].emotion_probs


def test_embedding_is_unit_length_and_frozen(media, analyzer):
    face = analyzer.analyze(media / "single_face.jpg")[0]
    assert face.embedding is not None and abs(np.linalg.norm(face.embedding) - 1) < 1e-4
    assert len(face.to_dict(embedding=True)["embedding"]) == face.embedding.shape[0]
    try:
        face.age = 3  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("Face must be frozen")


def test_inference_never_imports_torch(media):
    import subprocess
    import sys

    code = ("import sys; from facemtl import FaceAnalyzer; "
            f"FaceAnalyzer().analyze({str(media / 'single_face.jpg')!r}); "
            "print('torch' in sys.modules, 'timm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False False"

"""``facemtl serve`` over real HTTP: answers, limits and errors, and that it keeps serving."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from facemtl import FaceAnalyzer
from facemtl.results.face import FIELDS
from tests.serve.conftest import Server


def post(server: Server, *files: tuple[str, bytes, str], route: str = "/analyze",
         **params: object) -> requests.Response:
    return requests.post(f"{server.url}{route}", params=params, timeout=120,
                         files=[("file", f) for f in files])


def test_health_and_models(server: Server) -> None:
    health = requests.get(f"{server.url}/health", timeout=5).json()
    assert health["status"] == "ok" and health["loaded"] and health["model"] == "accurate"
    models = requests.get(f"{server.url}/models", timeout=5).json()["models"]
    assert {"accurate", "fast"} <= set(models)
    assert "ferplus/test" in models["accurate"]["metrics"]


def test_group_photo_gives_the_cli_rows(server: Server, media: Path) -> None:
    data = (media / "multi_face.jpg").read_bytes()
    answer = post(server, ("multi_face.jpg", data, "image/jpeg"))
    assert answer.status_code == 200, answer.text
    entry = answer.json()["files"][0]
    assert len(entry["faces"]) == 5
    assert set(entry["timings"]) == {"detect_ms", "model_ms"}
    local = FaceAnalyzer().analyze(media / "multi_face.jpg").to_dicts()
    for served, row in zip(entry["faces"], local, strict=True):
        assert set(served) == set(row) and set(FIELDS) <= set(served)
        assert served["file"] == "multi_face.jpg"
        assert served["emotion"] == row["emotion"] and served["gender"] == row["gender"]
        assert served["box"] == pytest.approx(row["box"], abs=1)
    with_embedding = post(server, ("a.jpg", data, "image/jpeg"), embedding="true").json()
    local_embedding = FaceAnalyzer().analyze(media / "multi_face.jpg")[0].to_dict(embedding=True)
    assert with_embedding["files"][0]["faces"][0]["embedding"] == pytest.approx(
        local_embedding["embedding"], abs=1e-3)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")
    return out.getvalue()


def test_bad_uploads_get_their_status_and_the_server_keeps_serving(server: Server,
                                                                   media: Path) -> None:
    good = (media / "single_face.jpg").read_bytes()
    bad = {
        "empty.jpg": (b"", 422, "empty file"),
        "notes.jpg": (b"just some text\n", 422, "not a readable image"),
        "cut.jpg": (good[: len(good) // 3], 422, "truncated"),
        "huge.png": (_png(6000, 6000), 422, "too large"),
    }
    for name, (data, status, words) in bad.items():
        answer = post(server, (name, data, "image/jpeg"))
        assert answer.status_code == status, (name, answer.text)
        body = answer.json()
        assert body["file"] == name and words in body["error"]
        assert post(server, ("good.jpg", good, "image/jpeg")).status_code == 200
    wrong_type = requests.post(f"{server.url}/analyze", data=good, timeout=30,
                               headers={"content-type": "image/jpeg"})
    assert wrong_type.status_code == 415 and "multipart" in wrong_type.json()["error"]
    no_file = requests.post(f"{server.url}/analyze", files={"other": ("a", b"x")}, timeout=30)
    assert no_file.status_code == 422 and "no file" in no_file.json()["error"]
    too_big = post(server, ("big.jpg", b"\xff" * (3 * 1024 * 1024), "image/jpeg"))
    assert too_big.status_code == 413 and "2 MB" in too_big.json()["error"]
    assert post(server, ("good.jpg", good, "image/jpeg"), min_face=-5).status_code == 422
    assert post(server, ("good.jpg", good, "image/jpeg"), model="nope").status_code == 422
    mixed = post(server, ("notes.txt", b"text", "text/plain"), ("good.jpg", good, "image/jpeg"))
    assert mixed.status_code == 200
    assert [("error" in f) for f in mixed.json()["files"]] == [True, False]
    assert server.alive() and server.leftovers() == []


def test_video_streams_rows_then_a_summary(server: Server, media: Path) -> None:
    data = (media / "single_face.mp4").read_bytes()
    answer = post(server, ("single_face.mp4", data, "video/mp4"), route="/analyze/video",
                  fps=5)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in answer.text.splitlines()]
    rows, summary = lines[:-1], lines[-1]["summary"]
    assert rows and all(row["file"] == "single_face.mp4" for row in rows)
    assert {"frame", "time_s", "track", "emotion"} <= set(rows[0])
    assert summary["file"] == "single_face.mp4" and summary["tracks"]
    broken = post(server, ("clip.mp4", b"not a video at all", "video/mp4"),
                  route="/analyze/video")
    assert broken.status_code == 422 and broken.json()["file"] == "clip.mp4"
    assert "clip.mp4" in broken.json()["error"] and "facemtl-" not in broken.json()["error"]
    time.sleep(0.5)
    assert server.leftovers() == []


def test_full_queue_answers_503_and_health_answers_while_busy(server: Server,
                                                             media: Path) -> None:
    """The only inference place is held by a streaming video: an image is refused at once
    with Retry-After, /health still answers, and once the video ends images succeed."""
    video = (media / "single_face.mp4").read_bytes()
    first_line = threading.Event()
    done = threading.Event()

    def stream() -> None:
        with requests.post(f"{server.url}/analyze/video", stream=True, timeout=120,
                           files={"file": ("v.mp4", video, "video/mp4")}) as answer:
            for _ in answer.iter_lines():
                first_line.set()
            done.set()

    thread = threading.Thread(target=stream)
    thread.start()
    assert first_line.wait(60)
    image = (media / "single_face.jpg").read_bytes()
    refused = post(server, ("a.jpg", image, "image/jpeg"))
    started = time.perf_counter()
    health = requests.get(f"{server.url}/health", timeout=5).json()
    assert time.perf_counter() - started < 1.0
    assert not done.is_set(), "the video ended too soon to test a full queue"
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "2" and "busy" in refused.json()["error"]
    assert health["busy"] == 1
    thread.join(120)
    assert post(server, ("a.jpg", image, "image/jpeg")).status_code == 200


def test_api_key_and_request_timeout(tmp_path: Path, media: Path) -> None:
    """A key from the environment guards the routes (not /health); a request slower than
    --timeout gets 504 and the server goes on."""
    keyed = Server(tmp_path, "--timeout", "0.01", env={"FACEMTL_API_KEY": "s3cret"})
    try:
        image = ("a.jpg", (media / "multi_face.jpg").read_bytes(), "image/jpeg")
        assert post(keyed, image).status_code == 401
        assert requests.get(f"{keyed.url}/models", timeout=5).status_code == 401
        wrong = requests.post(f"{keyed.url}/analyze", files=[("file", image)], timeout=60,
                              headers={"X-API-Key": "guess"})
        assert wrong.status_code == 401 and "API key" in wrong.json()["error"]
        assert requests.get(f"{keyed.url}/models", timeout=5,
                            headers={"Authorization": "Bearer s3cret"}).ok
        slow = requests.post(f"{keyed.url}/analyze", files=[("file", image)], timeout=60,
                             headers={"X-API-Key": "s3cret"})
        assert slow.status_code == 504 and "0.01 s" in slow.json()["error"]
        assert keyed.alive()
    finally:
        keyed.stop()


def test_serve_tau_answers_as_the_api_does(tmp_path: Path, media: Path) -> None:
    """``facemtl serve --tau 0`` answers with the network's own expression probabilities,
    the rows ``FaceAnalyzer(tau=0)`` gives in-process."""
    plain = Server(tmp_path, "--tau", "0", "--model", "fast")
    try:
        data = (media / "multi_face.jpg").read_bytes()
        answer = post(plain, ("multi_face.jpg", data, "image/jpeg"))
        assert answer.status_code == 200, answer.text
        served = answer.json()["files"][0]["faces"]
        local = FaceAnalyzer(model="fast", tau=0).analyze(media / "multi_face.jpg").to_dicts()
        carded = FaceAnalyzer(model="fast").analyze(media / "multi_face.jpg").to_dicts()
        for face, row in zip(served, local, strict=True):
            assert face["emotion_probs"] == pytest.approx(row["emotion_probs"], abs=1e-3)
        assert any(row["emotion_probs"] != pytest.approx(card_row["emotion_probs"], abs=1e-3)
                   for row, card_row in zip(local, carded, strict=True))
    finally:
        plain.stop()


def test_chunked_upload_over_the_limit_is_refused(server: Server) -> None:
    """Without a Content-Length the body is counted as it arrives."""
    def body():  # noqa: ANN202 - a generator makes requests send chunks
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n"
        for _ in range(48):
            yield b"\xff" * 65536
        yield b"\r\n--x--\r\n"

    answer = requests.post(f"{server.url}/analyze", data=body(), timeout=30,
                           headers={"content-type": "multipart/form-data; boundary=x"})
    assert answer.status_code == 413
    assert server.alive()


def test_docs_and_page_are_served_from_the_package(server: Server) -> None:
    docs = requests.get(f"{server.url}/docs", timeout=5)
    assert docs.ok and "cdn" not in docs.text.lower()
    page = requests.get(server.url, timeout=5)
    assert page.ok and "/static/app.js" in page.text and "http" not in page.text.split(
        "<body>")[0].replace("http-equiv", "")
    assert requests.get(f"{server.url}/openapi.json", timeout=5).json()["paths"]["/analyze"]


def test_settings_refuse_impossible_values() -> None:
    from facemtl.errors import FacemtlError
    from facemtl.serve import ServeSettings

    for bad in ({"threads": 0}, {"max_upload_mb": -1}, {"queue": -1}, {"timeout_s": 0},
                {"tau": -0.5}):
        with pytest.raises(FacemtlError):
            ServeSettings(**bad)

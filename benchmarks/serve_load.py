"""Load and fault figures of ``facemtl serve``, sent only to 127.0.0.1, bounded in count.

    python benchmarks/serve_load.py            # writes benchmarks/results/serve-load.json
    python benchmarks/serve_load.py --quick    # fewer requests, to try it

1. Throughput and p50/p95 latency at 1, 4 and 16 concurrent clients posting
   ``multi_face.jpg`` (five faces) to a server with one inference thread and a queue of 32,
   beside the same image analysed in this process (``FaceAnalyzer.analyze``): the ratio is
   what HTTP, upload and JSON add.
2. Memory: the server's RSS after warm-up and after ``--memory-requests`` more requests.
3. A burst beyond the queue: 48 requests at once to a server with ``--queue 2``; every
   refusal must be a 503 with Retry-After, the server must stay up and answer afterwards.
4. Bad uploads (zero bytes, text, truncated, huge dimensions, wrong content type, over the
   size limit) interleaved with good ones: each bad one's status, and every good one must
   come back with the same five faces.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from PIL import Image

from facemtl import FaceAnalyzer, __version__
from facemtl.io.atomic import write_json
from facemtl.serve.process import ServerProcess

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "serve-load.json"


def post(url: str, name: str, data: bytes, content_type: str = "image/jpeg"
         ) -> tuple[int, float, dict, dict]:
    started = time.perf_counter()
    answer = requests.post(f"{url}/analyze", files={"file": (name, data, content_type)},
                           timeout=300)
    seconds = time.perf_counter() - started
    try:
        body = answer.json()
    except ValueError:
        body = {}
    return answer.status_code, seconds, body, dict(answer.headers)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_level(url: str, photo: bytes, clients: int, count: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda _: post(url, "multi_face.jpg", photo), range(count)))
    wall = time.perf_counter() - started
    latencies = [seconds for status, seconds, _, _ in answers if status == 200]
    faces = [len(body["files"][0]["faces"]) for status, _, body, _ in answers if status == 200]
    return {"clients": clients, "requests": count, "ok": len(latencies),
            "statuses": sorted({status for status, *_ in answers}),
            "requests_per_s": round(count / wall, 2),
            "faces_per_s": round(sum(faces) / wall, 1),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p95_ms": round(1000 * percentile(latencies, 0.95), 1)}


def in_process(photo_path: Path, count: int) -> float:
    analyzer = FaceAnalyzer()
    analyzer.analyze(photo_path)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        analyzer.analyze(photo_path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bad_uploads(photo: bytes) -> dict[str, tuple[bytes, str]]:
    huge = io.BytesIO()
    Image.new("L", (8000, 8000)).save(huge, "PNG")
    return {"zero bytes": (b"", "image/jpeg"), "text": (b"hello, not an image\n", "text/plain"),
            "truncated": (photo[: len(photo) // 2], "image/jpeg"),
            "huge dimensions (8000x8000)": (huge.getvalue(), "image/png"),
            "over 25 MB": (os.urandom(26 * 1024 * 1024), "image/jpeg")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--media", type=Path, default=ROOT.parent / "shared" / "media")
    parser.add_argument("--requests", type=int, default=64, help="per concurrency level")
    parser.add_argument("--memory-requests", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="16 requests, 100 for memory")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.memory_requests = 16, 100
    photo_path = args.media / "multi_face.jpg"
    if not photo_path.is_file():
        raise SystemExit(f"{photo_path}: not found (put ../shared beside the repo or --media)")
    photo = photo_path.read_bytes()
    expected = [(f["emotion"], f["box"]) for f in
                FaceAnalyzer().analyze(photo_path).to_dicts()]
    out: dict = {"facemtl": __version__, "cpu": platform.processor() or platform.machine(),
                 "cores": os.cpu_count(), "image": "multi_face.jpg (5 faces, 1000x667)"}
    out["in_process_ms"] = round(1000 * in_process(photo_path, 20), 1)
    with tempfile.TemporaryDirectory() as tmp, \
            ServerProcess(Path(tmp), "--threads", "1", "--queue", "32") as server:
        for _ in range(3):
            post(server.url, "warm.jpg", photo)
        out["levels"] = [load_level(server.url, photo, clients, args.requests)
                         for clients in (1, 4, 16)]
        one = out["levels"][0]
        out["service_over_in_process"] = round(one["p50_ms"] / out["in_process_ms"], 2)
        for level in out["levels"]:
            level["throughput_vs_1_client"] = round(level["requests_per_s"]
                                                    / one["requests_per_s"], 2)
        before = server.rss_mb()
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: post(server.url, "m.jpg", photo)[0],
                                     range(args.memory_requests)))
        out["memory"] = {"requests": args.memory_requests, "ok": statuses.count(200),
                         "rss_before_mb": round(before, 1),
                         "rss_after_mb": round(server.rss_mb(), 1)}
        faults: dict[str, dict] = {}
        good_ok = good_total = 0
        for _ in range(3):
            for kind, (data, content_type) in bad_uploads(photo).items():
                status, _, body, _ = post(server.url, "upload.jpg", data, content_type)
                entry = faults.setdefault(kind, {"statuses": [], "error": body.get("error")})
                entry["statuses"].append(status)
                status, _, body, _ = post(server.url, "good.jpg", photo)
                good_total += 1
                good_ok += status == 200 and [(f["emotion"], f["box"]) for f in
                                              body["files"][0]["faces"]] == expected
            answer = requests.post(f"{server.url}/analyze", data=photo, timeout=60,
                                   headers={"content-type": "image/jpeg"})
            entry = faults.setdefault("wrong content type (raw image/jpeg body)",
                                      {"statuses": [], "error": answer.json().get("error")})
            entry["statuses"].append(answer.status_code)
        out["faults"] = {"bad": faults, "good_answered_correctly": f"{good_ok}/{good_total}",
                         "server_alive": server.alive(), "temporary_files_left":
                         len(server.leftovers())}
    with tempfile.TemporaryDirectory() as tmp, \
            ServerProcess(Path(tmp), "--threads", "1", "--queue", "2") as server:
        with ThreadPoolExecutor(48) as pool:
            burst = list(pool.map(lambda _: post(server.url, "b.jpg", photo), range(48)))
        refused = [(s, h) for s, _, _, h in burst if s != 200]
        after = [post(server.url, "after.jpg", photo)[0] for _ in range(5)]
        out["burst"] = {"sent_at_once": 48, "capacity": 3,
                        "ok": sum(s == 200 for s, *_ in burst),
                        "refused_503": sum(s == 503 for s, _ in refused),
                        "other_statuses": sorted({s for s, _ in refused if s != 503}),
                        "refusals_with_retry_after": sum("retry-after" in {k.lower() for k in h}
                                                         for _, h in refused),
                        "server_alive": server.alive(), "after_burst": after}
    write_json(args.out, out)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

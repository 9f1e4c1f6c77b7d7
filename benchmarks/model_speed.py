"""Per-face speed of the bundled models, side by side in one run (the issue's conditions:
one thread, batch 1, ONNX Runtime, after warm-up), plus the whole pipeline on
multi_face.jpg with each model.

    python benchmarks/model_speed.py [--models fast accurate] [--repeat 300] [--out FILE]

A model is a bundled name or a card, optionally labelled: ``"accurate 0.2=DIR/old.json"``.
Writes benchmarks/results/model_speed.json (or ``--out``). Two figures per model: the ONNX Runtime call
alone (``session.run`` on one preprocessed face) and ``FaceModel.predict`` (resizing the crop,
the call, decoding the outputs). Each is the median over ``--repeat`` calls, taken in blocks
of 50 after 10 warm-up calls per block; the blocks alternate between the models, so that a
slow moment of the machine hits both alike, while each block keeps its model's weights in
the cache as a real run would.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from facemtl import FaceAnalyzer
from facemtl.io import load_image
from facemtl.runtime import FaceModel
from facemtl.runtime.preprocess import to_batch

ROOT = Path(__file__).resolve().parents[1]
MEDIA = Path(os.environ.get("FACEMTL_SHARED", ROOT.parent / "shared")) / "media"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["fast", "accurate"])
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks" / "results" / "model_speed.json")
    args = parser.parse_args()
    sources = dict(item.partition("=")[::2] if "=" in item else (item, item)
                   for item in args.models)
    args.models = list(sources)

    image = load_image(MEDIA / "multi_face.jpg")
    detector_view = FaceAnalyzer(model=sources[args.models[0]])
    detections = detector_view.detector.detect(image)
    models = {name: FaceModel.load(sources[name], threads=1) for name in args.models}
    analyzers = {name: FaceAnalyzer(model=sources[name]) for name in args.models}
    crops = {name: [analyzers[name].crop(image, d) for d in detections][:1]
             for name in args.models}
    feeds = {name: {models[name].session.get_inputs()[0].name:
                    to_batch(crops[name], models[name].input_size)} for name in args.models}
    timings: dict[str, list[float]] = {name: [] for name in args.models}
    session_timings: dict[str, list[float]] = {name: [] for name in args.models}
    pipeline: dict[str, list[float]] = {name: [] for name in args.models}
    for name in args.models:
        analyzers[name].analyze_array(image)

    def block(call, store: list[float], n: int = 50) -> None:
        for _ in range(10):
            call()
        for _ in range(n):
            start = time.perf_counter()
            call()
            store.append((time.perf_counter() - start) * 1000)

    for _ in range(max(1, args.repeat // 50)):
        for name in args.models:
            model, analyzer, crop, feed = models[name], analyzers[name], crops[name], feeds[name]
            block(lambda m=model, f=feed: m.session.run(None, f), session_timings[name])
            block(lambda m=model, c=crop: m.predict(c), timings[name])
            block(lambda a=analyzer: a.analyze_array(image), pipeline[name], n=3)
    results = {
        "command": "python benchmarks/model_speed.py " + shlex.join(sys.argv[1:]),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "conditions": "onnxruntime, 1 thread, batch 1, after 20 warm-up calls; median",
        "models": {name: {
            "input_size": models[name].input_size,
            "onnx_mb": round(models[name].card.onnx_path.stat().st_size / 2**20, 1),
            "ms_per_face_onnxruntime": float(np.median(session_timings[name])),
            "ms_per_face": float(np.median(timings[name])),
            "ms_per_face_p90": float(np.percentile(timings[name], 90)),
            "pipeline_ms_multi_face_jpg_all_threads": float(np.median(pipeline[name])),
        } for name in args.models},
    }
    if len(args.models) == 2:
        a, b = args.models
        results[f"{b}_over_{a}_per_face"] = (results["models"][b]["ms_per_face"]
                                             / results["models"][a]["ms_per_face"])
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

"""Speed of the bundled model on this CPU, measured side by side in one run.

    python benchmarks/speed.py [--model accurate] [--repeat 50]

Reports milliseconds per face for the model alone (batch 1, one thread and all threads),
the five faces of multi_face.jpg in one batch against one at a time (the ratio is why
FaceAnalyzer batches every image's faces), and the whole pipeline per image, with
onnxruntime's thread spinning off (facemtl's setting) and on (onnxruntime's default). Results go to
stdout and to benchmarks/results/speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from facemtl import FaceAnalyzer
from facemtl.io import load_image
from facemtl.runtime import FaceModel
from facemtl.runtime.session import cpu_session

ROOT = Path(__file__).resolve().parents[1]
MEDIA = Path(os.environ.get("FACEMTL_SHARED", ROOT.parent / "shared")) / "media"


def best_ms(fn, repeat: int) -> float:
    """Median wall time of ``fn`` in ms after 5 warm-up calls."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="accurate")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    from retinaface import WEIGHTS

    image = load_image(MEDIA / "multi_face.jpg")
    analyzer = FaceAnalyzer(model=args.model)
    faces = analyzer.detector.detect(image)
    from facemtl.align import crop_face

    crops = [crop_face(image, f) for f in faces]
    one_thread = FaceModel.load(args.model, threads=1)
    all_threads = analyzer.model
    results = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "model": args.model,
        "input_size": all_threads.input_size,
        "model_ms_per_face_batch1_1thread": best_ms(lambda: one_thread.predict(crops[:1]),
                                                    args.repeat),
        "model_ms_per_face_batch1_all_threads": best_ms(lambda: all_threads.predict(crops[:1]),
                                                        args.repeat),
        "model_ms_5faces_one_batch_1thread": best_ms(lambda: one_thread.predict(crops), args.repeat),
        "model_ms_5faces_one_by_one_1thread": best_ms(lambda: [one_thread.predict([c]) for c in crops],
                                              args.repeat),
        "detector_ms_multi_face_jpg": best_ms(lambda: analyzer.detector.detect(image),
                                              args.repeat),
        "pipeline_ms_multi_face_jpg": best_ms(lambda: analyzer.analyze_array(image),
                                              args.repeat),
    }
    # the same pipeline with onnxruntime's thread spinning left on (its default), side by side
    spinning = FaceAnalyzer(model=args.model)
    spinning.detector.session = cpu_session(WEIGHTS, spinning=True)
    spinning.model.session = cpu_session(spinning.model.card.onnx_path, spinning=True)
    results["pipeline_ms_multi_face_jpg_spinning_on"] = best_ms(
        lambda: spinning.analyze_array(image), args.repeat)
    results["spinning_off_speedup"] = (results["pipeline_ms_multi_face_jpg_spinning_on"]
                                       / results["pipeline_ms_multi_face_jpg"])
    results["batching_speedup"] = (results["model_ms_5faces_one_by_one_1thread"]
                                   / results["model_ms_5faces_one_batch_1thread"])
    out = ROOT / "benchmarks" / "results" / "speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:40s} {value:.2f}" if isinstance(value, float) else f"{key:40s} {value}")


if __name__ == "__main__":
    main()

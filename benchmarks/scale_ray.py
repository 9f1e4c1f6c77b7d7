"""Local engine against the Ray engine on this machine, side by side in one run.

    python benchmarks/scale_ray.py [--images 200]   # writes benchmarks/results/scale_ray.json

A folder of ``--images`` copies of the two test photos (single_face.jpg, multi_face.jpg) and
single_face.mp4 goes through ``facemtl analyze --jsonl`` with ``--engine local`` and with
``--engine ray`` (embedded Ray, 1 and 2 workers); each run is a fresh process timed from start
to exit, so Ray's start-up is included, and is also reported apart (an empty-ish run of 2
files). The rows of every run must equal the local run's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from facemtl.io.atomic import write_json

ROOT = Path(__file__).resolve().parents[1]
MEDIA = Path(os.environ.get("FACEMTL_SHARED", ROOT.parent / "shared")) / "media"


def timed_run(folder: Path, out: Path, *engine: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "facemtl", "analyze", str(folder), "--jsonl",
                    str(out), "--overwrite", "--fps", "5", "-q", *engine], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/scale_ray.json")
    args = parser.parse_args(argv)
    report: dict = {"machine": f"{platform.processor() or platform.machine()}, "
                               f"{os.cpu_count()} cores",
                    "input": f"{args.images} images (copies of single_face.jpg and "
                             "multi_face.jpg) + single_face.mp4 at --fps 5", "runs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder, small = Path(tmp) / "images", Path(tmp) / "small"
        folder.mkdir()
        small.mkdir()
        for i in range(args.images):
            shutil.copy(MEDIA / ("multi_face.jpg" if i % 2 else "single_face.jpg"),
                        folder / f"img_{i:04d}.jpg")
        shutil.copy(MEDIA / "single_face.mp4", folder / "clip.mp4")
        for name in ("single_face.jpg", "multi_face.jpg"):
            shutil.copy(MEDIA / name, small / name)
        runs = {"local": (), "ray_1_worker": ("--engine", "ray", "--ray-workers", "1"),
                "ray_2_workers": ("--engine", "ray", "--ray-workers", "2")}
        rows = {}
        for name, engine in runs.items():
            out = Path(tmp) / f"{name}.jsonl"
            start_up = timed_run(small, Path(tmp) / "small.jsonl", *engine)
            seconds = timed_run(folder, out, *engine)
            rows[name] = out.read_text()
            report["runs"][name] = {"seconds": round(seconds, 1),
                                    "files_per_s": round((args.images + 1) / seconds, 2),
                                    "two_file_run_s": round(start_up, 1)}
        local = report["runs"]["local"]["seconds"]
        for name, entry in report["runs"].items():
            entry["vs_local"] = round(local / entry["seconds"], 2)
            entry["same_rows_as_local"] = rows[name] == rows["local"]
    write_json(args.out, report)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

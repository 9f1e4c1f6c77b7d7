"""The video detection schedule, measured: detect every k-th frame and follow faces between
detections (``VideoAnalyzer(detect_every=k)``, sparse optical flow), against detecting on
every frame, side by side in one run.

    python benchmarks/video_schedule.py           # writes benchmarks/results/video_schedule.json

For each k and input: end-to-end frames per second (decode, detect or follow, track, crop +
model, summary, JSON rows written to /dev/null: what ``facemtl analyze`` does; best of
``--repeat``), the share of the every-frame detector's faces that the schedule still finds
(a box with IoU >= 0.5 in the same frame), the mean IoU of those, and the boxes it reports
where the every-frame run has none. Inputs: ``single_face.mp4``, ``face_noface.mov``,
``noface_face.mov`` (../shared/media) and CK+48's 327 sequences as 3-frame clips. The
suggested default is the fastest k (on single_face.mp4) whose pooled recall is >= 99%.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from facemtl import FaceAnalyzer, VideoAnalyzer
from facemtl.io.atomic import write_json
from facemtl.video.pipeline import frames_from_images
from facemtl.video.tracker import iou_matrix
from facemtl.writers import JsonlWriter

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEMTL_SHARED", ROOT.parent / "shared"))
VIDEOS = ("single_face.mp4", "face_noface.mov", "noface_face.mov")
SETTINGS = (1, 2, 3, 4, 5, 6, 8)


def run(analyzer: FaceAnalyzer, every: int, path: Path) -> tuple[list[list], float]:
    """Boxes per frame and seconds for one pass, as the CLI does it."""
    video = VideoAnalyzer(analyzer, detect_every=every)
    boxes = []
    with open(os.devnull, "w") as sink:
        writer = JsonlWriter(sink)
        started = time.perf_counter()
        result = video.analyze(path, keep_frames=False, keep_series=False)
        for frame in result:
            writer.write(frame.to_dicts(str(path)))
            boxes.append([tracked.face.box for tracked in frame.faces])
        result.report()
        seconds = time.perf_counter() - started
    return boxes, seconds


def clip_boxes(analyzer: FaceAnalyzer, every: int, clips: list[list[np.ndarray]]) -> list[list]:
    video = VideoAnalyzer(analyzer, detect_every=every)
    return [[tracked.face.box for tracked in frame.faces]
            for clip in clips for frame in video.analyze_frames(frames_from_images(clip))]


def compare(reference: list[list], boxes: list[list]) -> dict:
    faces = found = extra = 0
    overlaps = []
    for expected, got in zip(reference, boxes, strict=True):
        matrix = iou_matrix(list(expected), list(got))
        faces += len(expected)
        if matrix.size:
            best = matrix.max(axis=1)
            found += int((best >= 0.5).sum())
            overlaps.extend(best[best >= 0.5].tolist())
            extra += int((matrix.max(axis=0) < 0.5).sum())
        else:
            extra += len(got)
    return {"faces": faces, "found": found, "extra_boxes": extra,
            "mean_iou": round(float(np.mean(overlaps)), 4) if overlaps else None}


def ckplus_clips(root: Path) -> list[list[np.ndarray]]:
    sequences = defaultdict(list)
    for path in sorted(root.glob("*/*.png")):
        subject, sequence, _ = path.stem.split("_")
        sequences[(subject, sequence)].append(path)
    return [[cv2.cvtColor(cv2.imread(str(p), cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2RGB)
             for p in sorted(paths)] for _, paths in sorted(sequences.items())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/video_schedule.json")
    args = parser.parse_args(argv)
    analyzer = FaceAnalyzer()
    inputs = {name: SHARED / "media" / name for name in VIDEOS}
    run(analyzer, 1, inputs[VIDEOS[0]])  # warm-up
    report: dict = {"machine": f"{platform.processor() or platform.machine()}, "
                               f"{os.cpu_count()} cores", "settings": {}}
    reference = {}
    for every in SETTINGS:  # interleaved per k, so load drifts hit every setting alike
        entry = report["settings"][f"every_{every}"] = {}
        for name, path in inputs.items():
            passes = [run(analyzer, every, path) for _ in range(args.repeat)]
            boxes, seconds = passes[0][0], min(s for _, s in passes)
            reference.setdefault(name, boxes)
            entry[name] = {"fps": round(len(boxes) / seconds, 1),
                           **compare(reference[name], boxes)}
    clips_root = SHARED / "data" / "ckplus48"
    if clips_root.is_dir():
        clips = ckplus_clips(clips_root)
        base = clip_boxes(analyzer, 1, clips)
        for every in SETTINGS:
            report["settings"][f"every_{every}"]["ckplus48_clips"] = compare(
                base, clip_boxes(analyzer, every, clips))
    for every in SETTINGS:
        entry = report["settings"][f"every_{every}"]
        faces = sum(v["faces"] for v in entry.values())
        entry["pooled_recall"] = round(sum(v["found"] for v in entry.values()
                                           if isinstance(v, dict)) / max(faces, 1), 4)
        entry["speedup_single_face"] = round(
            entry["single_face.mp4"]["fps"]
            / report["settings"]["every_1"]["single_face.mp4"]["fps"], 2)
    keeping = [k for k in SETTINGS if report["settings"][f"every_{k}"]["pooled_recall"] >= 0.99]
    report["suggested_default"] = max(
        keeping, key=lambda k: report["settings"][f"every_{k}"]["single_face.mp4"]["fps"])
    write_json(args.out, report)
    for every in SETTINGS:
        entry = report["settings"][f"every_{every}"]
        cells = "  ".join(f"{n.split('.')[0]} {v['fps']} fps {v['found']}/{v['faces']}"
                          for n, v in entry.items() if isinstance(v, dict) and "fps" in v)
        print(f"k={every}: {cells}  pooled recall {entry['pooled_recall']}")
    print("suggested default:", report["suggested_default"])
    return 0


if __name__ == "__main__":
    sys.exit(main())

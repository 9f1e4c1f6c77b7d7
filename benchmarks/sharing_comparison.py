"""Task interference, measured (issue 11, part 3): the CPU recipe's network trained three ways
with the same data, input, schedule and number of epochs, then measured through the ONNX
runtime on the validation splits (the choice) and on the test splits (the report):

    expression  expression alone (FER+ only)
    hard        hard-shared multi-task, as shipped (FER+ + UTKFace, one backbone)
    selective   expression and attribute branches joined by ConvFLU gates (FER+ + UTKFace)

    python benchmarks/sharing_comparison.py [--epochs 2] [--arms expression,hard,selective]
        [--data ../shared/data] [--out benchmarks/results/sharing-comparison.json]

Each arm resumes from its last finished epoch (runs/sharing/ARM). Writes one JSON with the
per-arm figures, training time and images/s; the log is the command's output.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from facemtl.evaluation import evaluate
from facemtl.io.atomic import write_json
from facemtl.runtime.model import FaceModel
from facemtl.train.config import TrainConfig
from facemtl.train.export import export_checkpoint
from facemtl.train.trainer import train

ARMS = {
    "expression": {"datasets": ("ferplus",), "sharing": "hard"},
    "hard": {"datasets": ("ferplus", "utkface"), "sharing": "hard"},
    "selective": {"datasets": ("ferplus", "utkface"), "sharing": "selective"},
}
#: (data set, split) measured per arm: validation first (what the choice looks at).
MEASURED = (("ferplus", "valid"), ("utkface", "valid"), ("ckplus", "valid"),
            ("ferplus", "test"), ("utkface", "test"), ("ckplus", "test"))
FOLDERS = {"ferplus": "ferplus", "utkface": "utkface", "ckplus": "ckplus48"}


def figures(result: dict) -> dict:
    """The headline numbers of one ``evaluate`` result."""
    metrics, out = result["metrics"], {"n": result["n"]}
    if "expression" in metrics:
        expression = metrics["expression"]
        out |= {"accuracy": expression["accuracy"], "macro_f1": expression["macro_f1"],
                "recall": expression["per_class_recall"]}
    for head, key in (("age", "mae"), ("gender", "accuracy"), ("ethnicity", "accuracy")):
        if head in metrics:
            out[f"{head}_{key}"] = metrics[head][key]
    return out


def run_arm(arm: str, config_path: str, epochs: int, data: Path, runs: Path) -> dict:
    spec = ARMS[arm]
    config = TrainConfig.from_file(
        config_path, epochs=epochs, sharing=spec["sharing"], out_dir=str(runs / arm),
        datasets={d: str(data / FOLDERS[d]) for d in spec["datasets"]}, progress=False)
    started = time.time()
    result = train(config)
    seconds = time.time() - started
    onnx_path, card_path = export_checkpoint(runs / arm / "best.pt", runs / arm / "export", arm)
    model = FaceModel.load(card_path)
    row = {"arm": arm, "sharing": spec["sharing"], "datasets": list(spec["datasets"]),
           "best_epoch": result["best"]["epoch"], "train_seconds_this_call": round(seconds),
           "images_per_s": [round(h["images_per_s"], 1) for h in result["history"]],
           "onnx_mb": round(onnx_path.stat().st_size / 2**20, 1),
           "figures": {}}
    for dataset, split in MEASURED:
        if dataset == "utkface" and "utkface" not in spec["datasets"]:
            continue
        measured = evaluate(dataset, data / FOLDERS[dataset], split, model=model, progress=False)
        row["figures"][f"{dataset}/{split}"] = figures(measured)
        print(f"{arm} {dataset}/{split}: {json.dumps(figures(measured))}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="configs/cpu_recipe.yaml")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--arms", default=",".join(ARMS))
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--runs", type=Path, default=Path("runs/sharing"))
    parser.add_argument("--out", default="benchmarks/results/sharing-comparison.json")
    args = parser.parse_args(argv)
    rows = []
    for arm in args.arms.split(","):  # written after every arm: a stopped run keeps its arms
        rows.append(run_arm(arm, args.config, args.epochs, args.data, args.runs))
        write_json(args.out, {"command": "python benchmarks/sharing_comparison.py "
                                         + " ".join(argv if argv is not None else sys.argv[1:]),
                              "config": args.config, "epochs": args.epochs, "arms": rows})
        print(f"wrote {args.out} ({len(rows)} arms)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

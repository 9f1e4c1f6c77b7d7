"""Short, side-by-side training runs for the recipe choices that docs/MODELS.md reports:
ImageNet vs random initialisation, and the age head (100-way softmax with top-2 /
all-bin expectation / argmax decoding vs plain regression).

    python benchmarks/recipe_comparison.py [--data ../shared/data] [--limit 4000] [--epochs 3]
    python benchmarks/recipe_comparison.py --runs imagenet_bins imagenet_regression \
        --datasets utkface --limit 0 --epochs 4 --json age_heads.json    # the age heads

Every run: EfficientNet-Lite0 at 64 px, the first ``--limit`` images of FER+ train (soft
votes) and of the seeded UTKFace train split, ``--epochs`` epochs (the first heads only),
same seed; validation on FER+ valid and UTKFace valid (first ``--limit``), test on the
UTKFace seeded test split for the age decoders. CPU-sized on purpose (about 11 minutes on
2 cores): the differences are what matter, not the absolute numbers. Writes
benchmarks/results/recipe_comparison.json (or --json NAME).
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("FACEMTL_DATA", ROOT.parent / "shared" / "data"))

RUNS = {
    "imagenet_bins": {"pretrained": True, "age_head": "bins"},
    "random_bins": {"pretrained": False, "age_head": "bins"},
    "imagenet_regression": {"pretrained": True, "age_head": "regression"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS))
    parser.add_argument("--datasets", nargs="+", default=["ferplus", "utkface"])
    parser.add_argument("--json", default="recipe_comparison.json",
                        help="file name under benchmarks/results")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "recipe_comparison")
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache"))
    args = parser.parse_args()

    import torch

    from facemtl.data.cache import cached_arrays
    from facemtl.metrics import age_metrics
    from facemtl.models.build import build_model
    from facemtl.runtime.decode import decode_age
    from facemtl.scoring import predict_arrays
    from facemtl.train.config import TrainConfig
    from facemtl.train.trainer import torch_predictor, train

    test = cached_arrays("utkface", args.data / "utkface", "test", args.cache_dir).resized(64)
    results = {}
    for name in args.runs:
        options = RUNS[name]
        config = TrainConfig(
            backbone="efficientnet_lite0", input_size=64,
            datasets={d: str(args.data / d) for d in args.datasets},
            cache_dir=args.cache_dir, limit=args.limit or None, epochs=args.epochs,
            head_epochs=1, batch_size=64, lr=2e-3, warmup_steps=50, seed=0,
            out_dir=str(args.out / f"{name}-{'-'.join(args.datasets)}-{args.limit}"),
            progress=False, **options)
        run = train(config)
        state = torch.load(run["checkpoint"], map_location="cpu", weights_only=False)
        net = build_model(TrainConfig(**{**state["config"], "pretrained": False, "init": None}))
        net.load_state_dict(state["model"])
        net.eval()
        outputs = predict_arrays(torch_predictor(net, torch.device("cpu")), test)
        decoders = ("regression",) if options["age_head"] == "regression" else \
            ("top2", "expectation", "argmax")
        best = run["best"]
        results[name] = {
            "options": options, "best_epoch": best["epoch"], "valid_score": best["score"],
            "valid": {h: round(v["mae"] if h == "age" else v["accuracy"], 4)
                      for h, v in best["metrics"].items()},
            "utkface_test_age_mae": {d: round(age_metrics(test.age, decode_age(
                outputs["age"], d))["mae"], 3) for d in decoders},
            "seconds": round(sum(h["seconds"] for h in run["history"]), 1)}
        print(name, json.dumps(results[name]), flush=True)
    out = ROOT / "benchmarks" / "results" / args.json
    out.write_text(json.dumps({"datasets": args.datasets, "limit": args.limit,
                               "epochs": args.epochs, "input_size": 64, "runs": results},
                              indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()

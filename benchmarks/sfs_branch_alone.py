"""How much does a trained FERSNet's recogniser lean on the synthesis branch? Its FER+ valid
accuracy as trained (ConvFLU gates open) beside its recognition branch alone (the same
weights, the gates removed: what the CK+ "Baseline from the FER+ FERSNet" variants start from).

    python benchmarks/sfs_branch_alone.py [--checkpoint runs/sfs-ferplus-20/fit.pt]
        [--config configs/sfs/ferplus_20.yaml] [--out benchmarks/results/sfs-branch-alone-20.json]
About a minute on one core (FER2013Valid, 3,579 faces, twice).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sfs_ablation import read_config  # noqa: E402
from sfs_ferplus import load_ferplus_split, score  # noqa: E402

from facemtl.io.atomic import write_json  # noqa: E402
from facemtl.labels import EMOTIONS  # noqa: E402
from facemtl.train.fersnet import FoldTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", type=Path, default=ROOT / "runs/sfs-ferplus-20/fit.pt")
    parser.add_argument("--config", type=Path, default=ROOT / "configs/sfs/ferplus_20.yaml")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ferplus")
    parser.add_argument("--out", type=Path,
                        default=ROOT / "benchmarks/results/sfs-branch-alone-20.json")
    args = parser.parse_args(argv)
    if not args.checkpoint.is_file():
        raise SystemExit(f"{args.checkpoint}: not found (made by benchmarks/sfs_ferplus.py)")
    torch.set_num_threads(1)
    images, labels = load_ferplus_split(args.data, "valid")
    config = read_config(args.config)
    accuracy = {}
    for sharing in ("convflu", "none"):  # as trained; the recognition branch alone
        variant = dataclasses.replace(config, sharing=sharing, init=str(args.checkpoint))
        accuracy[sharing] = score(FoldTrainer(variant, EMOTIONS), images, labels)["accuracy"]
    result = {"checkpoint": str(args.checkpoint), "config": str(args.config),
              "data": "FER+ FER2013Valid, majority labels", "faces": len(labels),
              "accuracy_as_trained": accuracy["convflu"],
              "accuracy_recognition_branch_alone": accuracy["none"]}
    write_json(args.out, result)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

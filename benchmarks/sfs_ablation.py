"""Paper 2's ablation on CK+48: 10-fold subject-independent cross-validation of a FERSNet
variant (configs/sfs/*.yaml), resumable fold by fold.

Each finished fold appends one JSON line to benchmarks/results/sfs-ckplus-folds.jsonl
(variant, fold, test images, correct, accuracy, seconds, the training log), so a run that is
stopped loses at most the fold in progress and a restart skips the folds already there.
``--summary`` pools the lines into benchmarks/results/sfs-ckplus.json: per variant, the
accuracy over all test images of the folds and the ten fold accuracies (mean and std).

    python benchmarks/sfs_ablation.py --config configs/sfs/fersnet.yaml     # one variant
    python benchmarks/sfs_ablation.py --all        # all four (FERSNet and FERSNet + synthetic
                                                   # come from one training per fold)
    python benchmarks/sfs_ablation.py --summary
    python benchmarks/sfs_ablation.py --config configs/sfs/fersnet_pretrained_synthetic.yaml
                                  # the same recipe started from the FER+ FERSNet (init:)
Every fold's synthesis path is kept as runs/sfs-folds/VARIANT/foldK.{onnx,json}, so that
benchmarks/sfs_quality.py --ckplus-folds can judge faces synthesised from test folds.
On a lent GPU (benchmarks/sfs_gpu.sh): --save-npz ckplus48.npz here, then --all --data
ckplus48.npz --device cuda there.
Folds: src/facemtl/data/splits/ckplus_folds.txt (subject -> fold, seed 20261123).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import yaml

from facemtl.data.ckplus import ckplus_folds, read_ckplus
from facemtl.io.atomic import write_json
from facemtl.train.export_synthesis import export_synthesis
from facemtl.train.fersnet import FersnetConfig, FoldTrainer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FOLDS_LOG = RESULTS / "sfs-ckplus-folds.jsonl"
FOLD_MODELS = ROOT / "runs" / "sfs-folds"
VARIANTS = ("baseline", "hard", "fersnet", "fersnet_synthetic", "baseline_pretrained",
            "fersnet_pretrained", "fersnet_pretrained_synthetic")
#: CK+48's seven classes, in the order the network's logits use.
CLASSES = ("anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise")


def load_ckplus(root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All CK+48 faces as uint8 (N, 48, 48) grey, class indices and subjects; ``root`` is the
    CK+48 folder or an .npz written by ``--save-npz`` (to carry to a lent GPU machine)."""
    if root.suffix == ".npz":
        with np.load(root) as data:
            return data["images"], data["labels"], data["subjects"]
    samples = read_ckplus(root)
    from facemtl.labels import EMOTIONS

    images = np.stack([cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE) for s in samples])
    labels = np.array([CLASSES.index(EMOTIONS[s.expression_label]) for s in samples])
    return images, labels, np.array([s.subject for s in samples])


def fold_numbers(subjects: np.ndarray) -> np.ndarray:
    """Each face's cross-validation fold, from its subject (ckplus_folds.txt)."""
    fold_of = ckplus_folds()
    return np.array([fold_of[s] for s in subjects])


def read_config(path: Path) -> FersnetConfig:
    values = yaml.safe_load(path.read_text()) or {}
    known = {f.name for f in dataclasses.fields(FersnetConfig)}
    unknown = set(values) - known
    if unknown:
        raise SystemExit(f"{path}: unknown keys {sorted(unknown)}")
    return FersnetConfig(**values)


def done_folds(variant: str) -> set[int]:
    if not FOLDS_LOG.exists():
        return set()
    return {row["fold"] for row in map(json.loads, FOLDS_LOG.read_text().splitlines())
            if row["variant"] == variant}


def run_variant(config_path: Path, data: Path, folds: list[int], device: str = "cpu") -> None:
    variant = config_path.stem
    config = read_config(config_path)
    images, labels, subjects = load_ckplus(data)
    fold = fold_numbers(subjects)
    # The synthetic variant is FERSNet plus balancing: one training gives both rows, so the
    # two are the same network before and after the synthetic fine-tuning.
    base = variant.removesuffix("_synthetic")
    names = [base, variant] if config.synthetic else [variant]
    for k in folds:
        if all(k in done_folds(name) for name in names):
            continue
        started = time.time()
        train, test = fold != k, fold == k
        trainer = FoldTrainer(config, CLASSES, device=device)
        trainer.fit(images[train], labels[train], subjects[train])
        if trainer.net.synthesises:
            export_synthesis(trainer.net, FOLD_MODELS / base, f"fold{k}", list(CLASSES),
                             {"data": f"CK+48 folds other than {k}", "config": str(config_path),
                              "fold": k, "log": trainer.log[-1]})
        for name in names:
            if name == variant and config.synthetic:
                trainer.balance_and_finetune(images[train], labels[train])
            if k in done_folds(name):
                continue
            predicted = trainer.predict(images[test])
            correct = int((predicted == labels[test]).sum())
            row = {"variant": name, "fold": k, "n": int(test.sum()), "correct": correct,
                   "accuracy": correct / int(test.sum()),
                   "seconds": round(time.time() - started, 1),
                   "synthetic_faces": getattr(trainer, "synthetic_count", 0),
                   "config": dataclasses.asdict(config), "log": list(trainer.log)}
            with FOLDS_LOG.open("a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(f"{name} fold {k}: {row['accuracy']:.4f} ({correct}/{row['n']}) "
                  f"in {row['seconds']:.0f} s", flush=True)


def summarise() -> dict:
    rows = [json.loads(line) for line in FOLDS_LOG.read_text().splitlines()] \
        if FOLDS_LOG.exists() else []
    out = {"protocol": "CK+48, 10-fold subject-independent (src/facemtl/data/splits/"
                       "ckplus_folds.txt); accuracy pooled over all test images; folds = "
                       "per-fold accuracies", "variants": {}}
    # the paper's variants in their order, then any other config's (e.g. a longer pre-training)
    names = [*VARIANTS, *sorted({r["variant"] for r in rows} - set(VARIANTS))]
    for variant in names:
        mine = sorted((r for r in rows if r["variant"] == variant), key=lambda r: r["fold"])
        if not mine:
            continue
        folds = [r["accuracy"] for r in mine]
        out["variants"][variant] = {
            "accuracy": sum(r["correct"] for r in mine) / sum(r["n"] for r in mine),
            "folds": folds, "fold_ids": [r["fold"] for r in mine],
            "fold_mean": float(np.mean(folds)), "fold_std": float(np.std(folds)),
            "folds_done": len(mine), "seconds": round(sum(r["seconds"] for r in mine), 1)}
    write_json(RESULTS / "sfs-ckplus.json", out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, help="one variant's config (configs/sfs/)")
    parser.add_argument("--all", action="store_true", help="all four variants in order")
    parser.add_argument("--folds", default="0-9", help="e.g. 0-9 or 3,4")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ckplus48")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu",
                        help="cpu or cuda (default: cuda when there is one)")
    parser.add_argument("--summary", action="store_true", help="only pool the fold results")
    parser.add_argument("--save-npz", type=Path, metavar="FILE.npz",
                        help="write CK+48 as compact arrays (about 1 MB) and stop")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.save_npz:
        images, labels, subjects = load_ckplus(args.data)
        np.savez_compressed(args.save_npz, images=images, labels=labels, subjects=subjects)
        return 0
    low, _, high = args.folds.partition("-")
    folds = list(range(int(low), int(high) + 1)) if high else \
        [int(f) for f in args.folds.split(",")]
    # fersnet_synthetic also writes the fersnet rows (see run_variant)
    configs = [ROOT / "configs" / "sfs" / f"{v}.yaml" for v in ("baseline", "hard",
                                                                 "fersnet_synthetic")] \
        if args.all else \
        ([args.config] if args.config else [])
    for config in configs:
        try:
            run_variant(config, args.data, folds, args.device)
        except FileNotFoundError as error:  # data or a config's initial weights missing
            raise SystemExit(f"{config}: {error}") from None
    print(json.dumps(summarise()["variants"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

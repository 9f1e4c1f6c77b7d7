"""Paper 2 on FER+: FERSNet with and without synthetic balancing, per-class recall.

One FERSNet training on FER+ train (majority labels, 8 classes), checkpointed every epoch
under runs/sfs-ferplus/ (a restart resumes), then three fine-tunings of its recogniser from
the same weights, alike but for what fills the classes smaller than ``synthetic_cap``:
``synthetic`` (faces the synthesis branch makes from other classes' faces), ``oversample``
(copies of the class's own faces) and ``none``. Each is scored on FER+ valid and test
(majority vote) with per-class recall; FER+ test is reported, never chosen on.

    python benchmarks/sfs_ferplus.py                 # writes benchmarks/results/sfs-ferplus.json
    python benchmarks/sfs_ferplus.py --save-npz ferplus48.npz   # compact arrays for a lent GPU
    python benchmarks/sfs_ferplus.py --data ferplus48.npz --device cuda
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sfs_ablation import read_config  # noqa: E402

from facemtl.data.ferplus import read_ferplus  # noqa: E402
from facemtl.io.atomic import atomic_path  # noqa: E402
from facemtl.labels import EMOTIONS  # noqa: E402
from facemtl.train.fersnet import FoldTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "sfs-ferplus.json"
SPLITS = ("train", "valid", "test")
EXTRAS = ("none", "oversample", "synthetic")


def load_ferplus(root: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each split as uint8 (N, 48, 48) grey faces and majority class indices (EMOTIONS)."""
    if root.suffix == ".npz":
        with np.load(root) as data:
            return {s: (data[f"{s}_images"], data[f"{s}_labels"]) for s in SPLITS}
    out = {}
    for split in SPLITS:
        samples = read_ferplus(root, split)
        images = np.stack([cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE) for s in samples])
        out[split] = images, np.array([int(s.expression.argmax()) for s in samples])
    return out


def score(trainer: FoldTrainer, images: np.ndarray, labels: np.ndarray) -> dict:
    predicted = trainer.predict(images)
    recall = {name: float((predicted[labels == k] == k).mean())
              for k, name in enumerate(EMOTIONS) if (labels == k).any()}
    return {"accuracy": float((predicted == labels).mean()), "n": len(labels),
            "recall": recall, "mean_recall": float(np.mean(list(recall.values())))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs/sfs/ferplus.yaml")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ferplus")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "sfs-ferplus")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--save-npz", type=Path, metavar="FILE.npz",
                        help="write FER+ as compact arrays (about 75 MB) and stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_ferplus(args.data)
    if args.save_npz:
        np.savez_compressed(args.save_npz, **{f"{s}_{kind}": arrays[i] for s, arrays in
                                              data.items() for i, kind in
                                              enumerate(("images", "labels"))})
        return 0
    config = read_config(args.config)
    args.runs.mkdir(parents=True, exist_ok=True)
    checkpoint = args.runs / "fit.pt"
    train_images, train_labels = data["train"]
    started = time.time()
    trainer = FoldTrainer(config, len(EMOTIONS), device=args.device)
    trainer.fit(train_images, train_labels, None, checkpoint=checkpoint)
    fitted = {k: v.clone() for k, v in trainer.net.state_dict().items()}
    fit_log = list(trainer.log)
    out = {"protocol": "FER+ majority vote, 8 classes; trained on FER2013Train, scored on "
                       "FER2013Valid and FER2013Test",
           "config": dataclasses.asdict(config), "device": args.device,
           "train_counts": dict(zip(EMOTIONS, np.bincount(train_labels, minlength=8).tolist(),
                                    strict=True)),
           "fit_log": fit_log,
           "fersnet": {s: score(trainer, *data[s]) for s in ("valid", "test")}}
    logging.info("fersnet: %s", {s: round(v["accuracy"], 4) for s, v in out["fersnet"].items()
                                 if isinstance(v, dict)})
    counts = np.bincount(train_labels, minlength=len(EMOTIONS))
    goal = min(counts.max(), config.synthetic_cap) if config.synthetic_cap else counts.max()
    added = int(np.maximum(goal - counts, 0).sum())
    for extra in EXTRAS:
        tick = time.time()
        trainer.net.load_state_dict(fitted)
        trainer.log = []
        trainer.balance_and_finetune(train_images, train_labels, extra=extra)
        out[f"finetune_{extra}"] = {
            "added_faces": added if extra != "none" else 0,
            "seconds": round(time.time() - tick, 1), "log": trainer.log,
            **{s: score(trainer, *data[s]) for s in ("valid", "test")}}
        logging.info("finetune %s: valid %.4f test %.4f", extra,
                     out[f"finetune_{extra}"]["valid"]["accuracy"],
                     out[f"finetune_{extra}"]["test"]["accuracy"])
    out["seconds"] = round(time.time() - started, 1)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(RESULT) as partial:
        partial.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: {s: round(v[s]["accuracy"], 4) for s in ("valid", "test")}
                      for k, v in out.items() if isinstance(v, dict) and "valid" in v}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

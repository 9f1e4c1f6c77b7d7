"""Paper 2 on FER+: FERSNet with and without synthetic balancing, per-class recall.

One FERSNet training on FER+ train (majority labels, 8 classes), checkpointed every epoch
under runs/sfs-ferplus/ (a restart resumes), then three fine-tunings of its recogniser from
the same weights, alike but for what fills the classes smaller than ``synthetic_cap``:
``synthetic`` (faces the synthesis branch makes from other classes' faces), ``oversample``
(copies of the class's own faces) and ``none``. Each is scored on FER+ valid and test
(majority vote) with per-class recall; FER+ test is reported, never chosen on.

    python benchmarks/sfs_ferplus.py                 # writes benchmarks/results/sfs-ferplus.json
    python benchmarks/sfs_ferplus.py --config configs/sfs/ferplus_long.yaml \
        --runs runs/sfs-ferplus-long --out benchmarks/results/sfs-ferplus-long.json
    python benchmarks/sfs_ferplus.py --config configs/sfs/ferplus_20_identity.yaml --fit-only \
        --runs runs/sfs-ferplus-20-identity --out benchmarks/results/sfs-ferplus-20-identity.json
    python benchmarks/sfs_ferplus.py --config configs/sfs/ferplus_20.yaml --runs runs/sfs-ferplus-20 \
        --extras none,synthetic --synthesiser runs/sfs-ferplus-20-identity/fit.pt \
        --out benchmarks/results/sfs-ferplus-20-balanced-by-identity.json
    python benchmarks/sfs_ferplus.py --save-mosaics data/ferplus48   # 60 MB, for a lent GPU
    python benchmarks/sfs_ferplus.py --data data/ferplus48 --device cuda   # (sfs_ferplus_gpu.sh)
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
from facemtl.io.atomic import write_json  # noqa: E402
from facemtl.labels import EMOTIONS  # noqa: E402
from facemtl.train.fersnet import FersnetConfig, FoldTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "sfs-ferplus.json"
SPLITS = ("train", "valid", "test")
EXTRAS = ("none", "oversample", "synthetic")


#: Faces per row of a mosaic (``--save-mosaics``).
MOSAIC_COLUMNS = 128


def save_mosaics(data: dict[str, tuple[np.ndarray, np.ndarray]], folder: Path) -> None:
    """Each split's faces as one lossless PNG mosaic (128 faces a row) plus the labels: 60 MB
    in all, where compressed arrays take 75 MB, so FER+ fits the 64 MiB a lent-GPU run can
    carry."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, (images, _) in data.items():
        rows = -(-len(images) // MOSAIC_COLUMNS)
        padded = np.zeros((rows * MOSAIC_COLUMNS, 48, 48), np.uint8)
        padded[:len(images)] = images
        mosaic = padded.reshape(rows, MOSAIC_COLUMNS, 48, 48).transpose(0, 2, 1, 3)
        cv2.imwrite(str(folder / f"{split}.png"), mosaic.reshape(rows * 48, -1),
                    [cv2.IMWRITE_PNG_COMPRESSION, 9])
    np.savez(folder / "labels.npz", **{split: labels for split, (_, labels) in data.items()})


def load_mosaics(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    with np.load(folder / "labels.npz") as saved:
        labels = {split: saved[split] for split in SPLITS}
    out = {}
    for split in SPLITS:
        mosaic = cv2.imread(str(folder / f"{split}.png"), cv2.IMREAD_GRAYSCALE)
        faces = mosaic.reshape(-1, 48, MOSAIC_COLUMNS, 48).transpose(0, 2, 1, 3)
        out[split] = faces.reshape(-1, 48, 48)[:len(labels[split])].copy(), labels[split]
    return out


def load_ferplus(root: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each split as uint8 (N, 48, 48) grey faces and majority class indices (EMOTIONS);
    ``root`` is the FER+ folder or a folder written by ``--save-mosaics``."""
    if (root / "labels.npz").is_file():
        return load_mosaics(root)
    return {split: load_ferplus_split(root, split) for split in SPLITS}


def load_ferplus_split(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """One split of the FER+ folder as uint8 (N, 48, 48) grey faces and majority classes."""
    samples = read_ferplus(root, split)
    images = np.stack([cv2.imread(str(s.path), cv2.IMREAD_GRAYSCALE) for s in samples])
    return images, np.array([int(s.expression.argmax()) for s in samples])


def score(trainer: FoldTrainer, images: np.ndarray, labels: np.ndarray) -> dict:
    predicted = trainer.predict(images)
    recall = {name: float((predicted[labels == k] == k).mean())
              for k, name in enumerate(EMOTIONS) if (labels == k).any()}
    return {"accuracy": float((predicted == labels).mean()), "n": len(labels),
            "recall": recall, "mean_recall": float(np.mean(list(recall.values())))}


def load_fit(checkpoint: Path, config: FersnetConfig, device: str = "cpu"
             ) -> tuple[FoldTrainer, dict]:
    """A trainer holding the FERSNet saved in a ``fit.pt`` (built as ``config`` says), and the
    saved state (epoch, log, classes). The checkpoint holds the whole network, so the config's
    ``init`` (where a fine-tune started) need not be loaded first, nor even be there."""
    if not checkpoint.is_file():
        raise SystemExit(f"{checkpoint}: not found (made by python benchmarks/sfs_ferplus.py)")
    state = torch.load(checkpoint, map_location=device, weights_only=False)
    trainer = FoldTrainer(dataclasses.replace(config, init=""), state["classes"], device=device)
    trainer.net.load_state_dict(state["net"])
    return trainer, state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "configs/sfs/ferplus.yaml")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ferplus")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs" / "sfs-ferplus")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULT,
                        help=f"results file (default {RESULT.relative_to(ROOT)})")
    parser.add_argument("--fit-only", action="store_true",
                        help="train and score the FERSNet only, without the three balancing "
                             "fine-tunings (for a synthesis model)")
    parser.add_argument("--extras", default=",".join(EXTRAS),
                        help=f"which balancing fine-tunings to run (default {','.join(EXTRAS)})")
    parser.add_argument("--synthesiser", type=Path, metavar="FIT.pt",
                        help="make the synthetic faces with this FERSNet's synthesis path (one "
                             "trained on for synthesis, e.g. runs/sfs-ferplus-20-identity/fit.pt; "
                             "same --config architecture) instead of the network's own")
    parser.add_argument("--synthetic-cap", type=int, metavar="N",
                        help="balance each class up to N faces (overrides the config's "
                             "synthetic_cap; the network is the config's all the same)")
    parser.add_argument("--save-mosaics", type=Path, metavar="DIR",
                        help="write FER+ as lossless PNG mosaics + labels (60 MB) and stop")
    args = parser.parse_args(argv)
    unknown = set(args.extras.split(",")) - set(EXTRAS)
    if unknown:
        parser.error(f"--extras: unknown {', '.join(sorted(unknown))}; choose from {EXTRAS}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.threads:
        torch.set_num_threads(args.threads)
    data = load_ferplus(args.data)
    if args.save_mosaics:
        save_mosaics(data, args.save_mosaics)
        return 0
    config = read_config(args.config)
    if args.synthetic_cap is not None:
        config = dataclasses.replace(config, synthetic_cap=args.synthetic_cap)
    args.runs.mkdir(parents=True, exist_ok=True)
    checkpoint = args.runs / "fit.pt"
    train_images, train_labels = data["train"]
    started = time.time()
    trainer = FoldTrainer(config, EMOTIONS, device=args.device)
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
    synthesiser = None
    if args.synthesiser:
        synthesiser = load_fit(args.synthesiser, config, args.device)[0].net
        out["synthesiser"] = str(args.synthesiser)
    for extra in () if args.fit_only else args.extras.split(","):
        tick = time.time()
        trainer.net.load_state_dict(fitted)
        trainer.log = []
        trainer.balance_and_finetune(train_images, train_labels, extra=extra,
                                     synthesiser=synthesiser)
        out[f"finetune_{extra}"] = {
            "added_faces": added if extra != "none" else 0,
            "seconds": round(time.time() - tick, 1), "log": trainer.log,
            **{s: score(trainer, *data[s]) for s in ("valid", "test")}}
        logging.info("finetune %s: valid %.4f test %.4f", extra,
                     out[f"finetune_{extra}"]["valid"]["accuracy"],
                     out[f"finetune_{extra}"]["test"]["accuracy"])
    out["seconds"] = round(time.time() - started, 1)
    write_json(args.out, out)
    print(json.dumps({k: {s: round(v[s]["accuracy"], 4) for s in ("valid", "test")}
                      for k, v in out.items() if isinstance(v, dict) and "valid" in v}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Make a bundled synthesis model: train FERSNet (configs/sfs/fersnet.yaml) on all of CK+48,
then export its synthesis path to src/facemtl/runtime/weights/fersnet_ckplus.{onnx,json};
or export the FERSNet that benchmarks/sfs_ferplus.py trained on FER+ (its ``fit.pt``).

    python benchmarks/sfs_train_bundled.py [--data ../shared/data/ckplus48] [--out DIR]
    python benchmarks/sfs_train_bundled.py --ferplus runs/sfs-ferplus-20-identity2/fit.pt \
        --config configs/sfs/ferplus_20_identity2.yaml --name fersnet_ferplus --version 0.2.0
The CK+ training takes about 6 minutes on 2 CPU cores (15 epochs of 981 faces at 48 px).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sfs_ablation import CLASSES, ROOT, load_ckplus, read_config  # noqa: E402
from sfs_ferplus import load_fit  # noqa: E402

from facemtl.train.export_synthesis import FERPLUS_LICENCE, export_synthesis  # noqa: E402
from facemtl.train.fersnet import FoldTrainer  # noqa: E402


def export_ferplus(checkpoint: Path, config_path: Path, out: Path, name: str,
                   version: str = "0.1.0") -> dict:
    """Export the synthesis path of a FER+ FERSNet as trained (before any fine-tuning of
    its recogniser: the synthesis side sees the recognition branch through its gates)."""
    config = read_config(config_path)
    trainer, state = load_fit(checkpoint, config)
    training = {"data": "FER+ FER2013Train, majority labels, 28,385 faces (FER2013 images: "
                        "non-commercial research)",
                "config": relative(config_path), "epochs": state["epoch"],
                "seconds_on_2_cpu_cores": round(sum(e["seconds"] for e in state["log"]), 1),
                "command": f"python benchmarks/sfs_ferplus.py --config {relative(config_path)} "
                           f"--runs {relative(checkpoint.parent)}, then python "
                           f"benchmarks/sfs_train_bundled.py --ferplus "
                           f"{relative(checkpoint)} --config {relative(config_path)} "
                           f"--name {name} --version {version}",
                "log": state["log"][-1]}
    if config.init:  # a fine-tune: say what it started from
        training["started_from"] = config.init
    onnx_path, card_path = export_synthesis(trainer.net, out, name, list(state["classes"]),
                                            training, version=version,
                                            licence=FERPLUS_LICENCE)
    return {"onnx": str(onnx_path), "card": str(card_path), "epochs": state["epoch"]}


def relative(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ckplus48")
    parser.add_argument("--config", type=Path, default=ROOT / "configs/sfs/fersnet.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "src/facemtl/runtime/weights")
    parser.add_argument("--name", default="fersnet_ckplus")
    parser.add_argument("--epochs", type=int, help="override the config (smoke runs)")
    parser.add_argument("--ferplus", type=Path, metavar="FIT_PT",
                        help="export this FER+ FERSNet checkpoint instead of training on CK+ "
                             "(--config: the config it was trained with)")
    parser.add_argument("--version", default="0.1.0",
                        help="the card's version (a new model under an old name gets a new one)")
    args = parser.parse_args(argv)
    if args.ferplus:
        print(json.dumps(export_ferplus(args.ferplus, args.config, args.out, args.name,
                                        args.version)))
        return 0
    config = read_config(args.config)
    if args.epochs:
        config.epochs = args.epochs
    images, labels, subjects = load_ckplus(args.data)
    started = time.time()
    trainer = FoldTrainer(config, CLASSES)
    trainer.fit(images, labels, subjects)
    seconds = round(time.time() - started, 1)
    training = {"data": "CK+48, all 981 frames of 118 subjects (non-commercial research)",
                "config": str(args.config.relative_to(ROOT)) if args.config.is_relative_to(ROOT)
                else str(args.config), "epochs": config.epochs, "seconds_on_2_cpu_cores": seconds,
                "command": "python benchmarks/sfs_train_bundled.py", "log": trainer.log[-1]}
    onnx_path, card_path = export_synthesis(trainer.net, args.out, args.name, list(CLASSES),
                                            training)
    print(json.dumps({"onnx": str(onnx_path), "card": str(card_path), "seconds": seconds}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the bundled synthesis model: FERSNet (configs/sfs/fersnet.yaml) on all of CK+48,
then export its synthesis path to src/facemtl/runtime/weights/fersnet_ckplus.{onnx,json}.

    python benchmarks/sfs_train_bundled.py [--data ../shared/data/ckplus48] [--out DIR]
About 6 minutes on 2 CPU cores (15 epochs of 981 faces at 48 px).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sfs_ablation import CLASSES, ROOT, load_ckplus, read_config  # noqa: E402

from facemtl.train.export_synthesis import export_synthesis  # noqa: E402
from facemtl.train.fersnet import FoldTrainer  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/ckplus48")
    parser.add_argument("--config", type=Path, default=ROOT / "configs/sfs/fersnet.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "src/facemtl/runtime/weights")
    parser.add_argument("--name", default="fersnet_ckplus")
    parser.add_argument("--epochs", type=int, help="override the config (smoke runs)")
    args = parser.parse_args(argv)
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

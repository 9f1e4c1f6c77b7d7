"""Training throughput of the multi-task network on this machine: images per second of one
full training step (augmentation, forward, masked multi-task loss, backward, AdamW step) per
input size, sharing mode, memory format and thread count, with the augmentation's own cost
measured apart. This is how the CPU recipe's input size was chosen, and why the trainer keeps
tensors channels-last on every device (docs/TRAINING.md).

    python benchmarks/train_throughput.py [--sizes 48,64,80,96] [--sharing hard,selective]
        [--formats contiguous,channels_last] [--precisions float32,bfloat16] [--steps 6]
        [--batch 64] [--out benchmarks/results/train-throughput.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch
from common import MEMORY_FORMATS, torch_memory_format

from facemtl.io.atomic import write_json
from facemtl.labels import MISSING
from facemtl.models.factory import create_model
from facemtl.train.augment import augment
from facemtl.train.losses import multitask_loss


def fake_batch(batch: int, size: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Random pixels with half the rows carrying an expression and half the attributes, as
    in the mixed FER+ / UTKFace batches of the recipe."""
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (batch, 3, size, size), generator=generator).float()
    half = batch // 2
    expression = torch.zeros(batch, 8)
    expression[:half] = torch.softmax(torch.randn(half, 8, generator=generator), 1)
    labels = {
        "expression": expression,
        "age": torch.cat([torch.full((half,), MISSING), torch.randint(1, 90, (batch - half,))]),
        "gender": torch.cat([torch.full((half,), MISSING), torch.randint(0, 2, (batch - half,))]),
        "ethnicity": torch.cat([torch.full((half,), MISSING),
                                torch.randint(0, 5, (batch - half,))]),
        "valence": torch.full((batch,), float("nan")),
        "arousal": torch.full((batch,), float("nan")),
        "identity": torch.full((batch,), MISSING),
    }
    return pixels, labels


def step_rate(size: int, sharing: str, steps: int, batch: int,
              memory_format: str = "channels_last",
              precision: str = "float32") -> dict[str, float]:
    """Images/s of whole training steps and of the augmentation alone; `bfloat16` runs the
    forward pass under autocast, as the trainer does on a GPU."""
    torch.manual_seed(0)
    layout = torch_memory_format(memory_format)
    net = create_model("efficientnet_lite0", size, pretrained=False, sharing=sharing)
    net = net.to(memory_format=layout)
    net.train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
    pixels, labels = fake_batch(batch, size)

    def step() -> None:
        batch_pixels = augment(pixels, erase_probability=0.5).contiguous(memory_format=layout)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16"):
            out = net(batch_pixels)
        loss, _ = multitask_loss(out, labels, None)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(2):
        step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    train = batch * steps / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(steps):
        augment(pixels, erase_probability=0.5)
    aug = batch * steps / (time.perf_counter() - started)
    return {"train_images_per_s": round(train, 1), "augment_images_per_s": round(aug, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="48,64,80,96")
    parser.add_argument("--sharing", default="hard")
    parser.add_argument("--formats", default="channels_last",
                        help="comma-separated memory formats: " + ", ".join(MEMORY_FORMATS))
    parser.add_argument("--precisions", default="float32", help="float32, bfloat16 or both")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    rows = []
    for sharing in args.sharing.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            for memory_format in args.formats.split(","):
                for precision in args.precisions.split(","):
                    row = {"size": size, "sharing": sharing, "memory_format": memory_format,
                           "precision": precision, "batch": args.batch,
                           "threads": torch.get_num_threads(),
                           **step_rate(size, sharing, args.steps, args.batch, memory_format,
                                       precision)}
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    if args.out:
        write_json(args.out, {"command": "python benchmarks/train_throughput.py "
                                         + " ".join(argv or sys.argv[1:]), "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Training throughput of the FERSNet variants on this CPU: images per second of one full
training step (batch 64, 48-px grey faces; recognition, adversarial, expression-on-fakes and
cycle losses, then the discriminator's step), per width, sharing mode and memory format. How the ablation's
width was chosen (docs/SFS.md).

    python benchmarks/sfs_throughput.py [--widths 16,32] [--formats contiguous,channels_last]
        [--steps 5] [--out benchmarks/results/sfs-throughput.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch
from common import MEMORY_FORMATS, torch_memory_format
from torch.nn import functional as F

from facemtl.io.atomic import write_json
from facemtl.models.fersnet import FERSNet, PatchDiscriminator


def images_per_second(width: int, sharing: str, steps: int, batch: int = 64,
                      memory_format: str = "contiguous") -> float:
    torch.manual_seed(0)
    layout = torch_memory_format(memory_format)
    net = FERSNet(7, 48, width, 3, sharing).to(memory_format=layout)
    disc = PatchDiscriminator(width).to(memory_format=layout)
    opt = torch.optim.Adam(net.parameters(), 2e-4)
    opt_d = torch.optim.Adam(disc.parameters(), 2e-4)
    x = (torch.rand(batch, 1, 48, 48) * 255).contiguous(memory_format=layout)
    y, t = torch.randint(0, 7, (batch,)), torch.randint(0, 7, (batch,))

    def step() -> None:
        out = net(x, t if net.synthesises else None)
        loss = F.cross_entropy(out["logits"], y)
        if "fake" in out:
            fake = out["fake"]
            loss = loss + ((disc(fake) - 1) ** 2).mean() + F.cross_entropy(
                net.classify(fake), t) + (net.synthesize(fake, y) - x).abs().mean() / 255
        opt.zero_grad()
        loss.backward()
        opt.step()
        if "fake" in out:
            d_loss = ((disc(x) - 1) ** 2).mean() + (disc(out["fake"].detach()) ** 2).mean()
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()

    step()
    step()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", default="16,32")
    parser.add_argument("--formats", default="contiguous",
                        help="comma-separated memory formats: " + ", ".join(MEMORY_FORMATS))
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    rows = []
    for width in (int(w) for w in args.widths.split(",")):
        for sharing in ("none", "hard", "convflu"):
            for memory_format in args.formats.split(","):
                rate = images_per_second(width, sharing, args.steps,
                                         memory_format=memory_format)
                rows.append({"width": width, "sharing": sharing,
                             "memory_format": memory_format, "images_per_s": round(rate, 1),
                             "threads": torch.get_num_threads()})
                print(json.dumps(rows[-1]), flush=True)
    if args.out:
        write_json(args.out, {"command": "python benchmarks/sfs_throughput.py "
                                         + " ".join(argv if argv is not None else sys.argv[1:]),
                              "rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())

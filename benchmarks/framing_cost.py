"""What framing costs (issue 11, part 2): the same test faces measured twice per model, once
as the data set framed them (FER2013's and CK+48's registered 48-px crops, how the issue-2
network was trained) and once framed by the runtime's detector, as ``analyze`` frames a photo
(each crop padded with grey and the face found again, ``facemtl.data.arrays.redetect``).

    python benchmarks/framing_cost.py [--models accurate,fast,CARD.json]
        [--sets ferplus/test,ckplus/valid,ckplus/test] [--data ../shared/data]
        [--out benchmarks/results/framing-cost.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facemtl.evaluation import evaluate
from facemtl.io.atomic import write_json
from facemtl.runtime.card import FRAMINGS
from facemtl.runtime.model import FaceModel

FOLDERS = {"ferplus": "ferplus", "ckplus": "ckplus48", "utkface": "utkface"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="accurate,fast")
    parser.add_argument("--sets", default="ferplus/test,ckplus/valid,ckplus/test")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", default="benchmarks/results/framing-cost.json")
    args = parser.parse_args(argv)
    rows = []
    for name in args.models.split(","):
        model = FaceModel.load(name)
        for item in args.sets.split(","):
            dataset, split = item.split("/")
            row = {"model": model.card.name, "trained_on": model.card.input.framing,
                   "set": item}
            for framing in FRAMINGS:
                result = evaluate(dataset, args.data / FOLDERS[dataset], split, model=model,
                                  progress=False, framing=framing)
                expression = result["metrics"]["expression"]
                row[framing] = {"accuracy": round(expression["accuracy"], 4),
                                "macro_f1": round(expression["macro_f1"], 4), "n": result["n"]}
            row["detector_minus_dataset"] = round(row["detector"]["accuracy"]
                                                  - row["dataset"]["accuracy"], 4)
            rows.append(row)
            print(row, flush=True)
    write_json(args.out, {"command": "python benchmarks/framing_cost.py "
                                     + " ".join(argv if argv is not None else sys.argv[1:]),
                          "rows": rows})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

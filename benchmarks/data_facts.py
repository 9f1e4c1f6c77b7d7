"""Facts about the data that docs/TRAINING.md quotes: FER+ majority-vote class counts per
split, how often the runtime's detector finds the face in a FER+ crop as it is and with
``redetect``'s grey border and upscaling (the reason for that border), and the median size of
the box it finds, as a share of the 48-px crop.

    python benchmarks/data_facts.py [--data ../shared/data] [--images 300]
        [--out benchmarks/results/data-facts.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from facemtl.data.arrays import redetect
from facemtl.data.ferplus import read_ferplus
from facemtl.detect import RetinaFaceDetector, largest_face_box
from facemtl.io.atomic import write_json
from facemtl.io.images import load_image
from facemtl.labels import EMOTIONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--images", type=int, default=300, help="FER+ valid faces to detect")
    parser.add_argument("--out", default="benchmarks/results/data-facts.json")
    args = parser.parse_args(argv)
    counts = {}
    for split in ("train", "valid", "test"):
        samples = read_ferplus(args.data / "ferplus", split, "majority")
        per_class = np.bincount([s.expression_label for s in samples], minlength=len(EMOTIONS))
        counts[split] = {"images": len(samples),
                         **{e: int(c) for e, c in zip(EMOTIONS, per_class, strict=True)}}
    find = largest_face_box(RetinaFaceDetector(min_face=10))
    images = [load_image(s.path)
              for s in read_ferplus(args.data / "ferplus", "valid")[:args.images]]
    plain = sum(find(image) is not None for image in images)
    boxes = [b for b in (redetect(image, find) for image in images) if b is not None]
    bordered = len(boxes)
    relative = np.median([(b[2] / 48, b[3] / 48) for b in boxes], axis=0)
    result = {"command": "python benchmarks/data_facts.py "
                         + " ".join(argv if argv is not None else sys.argv[1:]),
              "ferplus_majority_counts": counts,
              "ferplus_valid_faces_found": {"images": len(images), "as_is": plain,
                                            "with_redetect_border": bordered,
                                            "median_box_width_height_of_crop": [
                                                round(float(v), 3) for v in relative]}}
    write_json(args.out, result)
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

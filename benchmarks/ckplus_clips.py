"""Lay CK+48 out as clips: one folder per sequence ``S###_###`` holding its 3 frames
(symlinks), and ``labels.csv`` with ``clip,label,group`` where group is the subject, so that
cross-validation folds are subject-independent.

    python benchmarks/ckplus_clips.py --data ../shared/data/ckplus48 --out .cache/ckplus_clips
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

NAME = re.compile(r"(S\d+)_(\d+)_(\d+)\.png$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/ckplus48"))
    parser.add_argument("--out", type=Path, default=Path(".cache/ckplus_clips"))
    args = parser.parse_args()
    rows = set()
    for frame in sorted(args.data.glob("*/*.png")):
        match = NAME.match(frame.name)
        if not match:
            continue
        subject, sequence, _ = match.groups()
        clip = args.out / "clips" / f"{subject}_{sequence}"
        clip.mkdir(parents=True, exist_ok=True)
        link = clip / frame.name
        if not link.exists():
            link.symlink_to(frame.resolve())
        rows.add((clip.name, frame.parent.name, subject))
    (args.out / "labels.csv").write_text(
        "clip,label,group\n" + "".join(f"{c},{label},{s}\n" for c, label, s in sorted(rows)))
    subjects = len({s for _, _, s in rows})
    print(f"{len(rows)} clips from {subjects} subjects -> {args.out}")


if __name__ == "__main__":
    main()

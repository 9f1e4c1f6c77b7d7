"""``facemtl synthesize IMAGE... --to happiness,surprise -o grid.png``: each detected face
shown in other expressions by the bundled FERSNet synthesis model (paper 2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from facemtl.errors import FacemtlError


def add_synthesize_parser(commands: argparse._SubParsersAction) -> None:
    from facemtl.synthesis import DEFAULT_SYNTHESIS_MODEL

    parser = commands.add_parser(
        "synthesize", help="show faces in other expressions (FERSNet synthesis)",
        description="Detect the faces in each image and write a grid: a row per face, its "
        "grey crop first, then the face in each expression of --to.")
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--to", required=True, metavar="EXPR[,EXPR...]",
                        help="target expressions, e.g. happiness,surprise,anger")
    parser.add_argument("-o", "--out", required=True, metavar="GRID.png",
                        help="the grid picture; several images: GRID_<name>.png")
    parser.add_argument("--model", default=DEFAULT_SYNTHESIS_MODEL,
                        help=f"synthesis model name or card (default: {DEFAULT_SYNTHESIS_MODEL})")
    parser.add_argument("--scale", type=int, default=2, help="pixel scale of the grid tiles")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all)")
    parser.set_defaults(func=run_synthesize)


def run_synthesize(args: argparse.Namespace) -> int:
    from facemtl.cli.guard import guarded
    from facemtl.synthesis import FaceSynthesizer
    from facemtl.writers.annotate import write_image

    synthesizer = FaceSynthesizer(args.model, threads=args.threads)
    targets = synthesizer.check_targets([t.strip() for t in args.to.split(",") if t.strip()])
    out = Path(args.out)
    several = len(args.images) > 1

    def one(path: Path) -> Path:
        results = synthesizer.synthesize(path, targets)
        if not results:
            raise FacemtlError(f"{path}: no face found")
        target = out.with_name(f"{out.stem}_{path.stem}{out.suffix or '.png'}") if several \
            else out
        write_image(synthesizer.grid(results, scale=args.scale), target,
                    target.suffix or ".png")
        print(f"{path}: {len(results)} face(s) -> {target}", file=sys.stderr)
        return target

    failures = sum(not guarded(Path(p), lambda p=Path(p): one(p))[0] for p in args.images)
    return 1 if failures else 0

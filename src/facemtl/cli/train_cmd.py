"""``facemtl train`` and ``facemtl export`` (need the ``[train]`` extra)."""

from __future__ import annotations

import argparse
import json

from facemtl.errors import FacemtlError
from facemtl.train.config import CHOICES


def add_train_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train", help="train a multi-task model (needs the [train] extra)",
        description="Train from a YAML config; flags override the config's values.")
    parser.add_argument("--config", help="YAML file with TrainConfig keys (see configs/)")
    parser.add_argument("--data", action="append", default=[], metavar="NAME=DIR",
                        help="a data set and its folder (repeatable): ferplus=DIR, utkface=DIR, "
                        "affectnet=DIR, identity=DIR (PERSON/image), folder=DIR (your own "
                        "CLASS/image folders: a new label set)")
    parser.add_argument("--backbone")
    parser.add_argument("--input-size", type=int)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--limit", type=int, help="use the first N samples of each split")
    parser.add_argument("--max-steps", type=int, help="stop after N optimiser steps")
    parser.add_argument("--init", help="start from a bundled model (fast, accurate), a model "
                        "card/ONNX, or a checkpoint (.pt)")
    parser.add_argument("--folder-crop", choices=("detect", "full"),
                        help="folder data: detect faces (default) or take images as face crops")
    parser.add_argument("--optimizer", choices=("adamw", "sam"))
    parser.add_argument("--sharing", choices=CHOICES["sharing"],
                        help="hard: one backbone under every head; selective: expression and "
                        "attribute branches joined by ConvFLU gates")
    parser.add_argument("--framing", choices=CHOICES["framing"],
                        help="detector: re-frame data sets' ready crops with the runtime's "
                        "detector, as analyze frames photos (default); dataset: keep them")
    parser.add_argument("--teacher", help="distil from an exported model (fast, accurate, a "
                        "card path): its outputs are soft targets for every head")
    parser.add_argument("--no-pretrained", action="store_true", help="random initialisation")
    parser.add_argument("--cache-dir", help="where cropped arrays are cached")
    parser.add_argument("--device", help="auto, cpu or cuda")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--out", dest="out_dir", help="output folder (checkpoints, history)")
    parser.add_argument("--no-resume", action="store_true", help="ignore an existing last.pt")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run_train)

    export = commands.add_parser(
        "export", help="export a checkpoint to ONNX + model card (needs the [train] extra)")
    export.add_argument("checkpoint", nargs="+", metavar="SOURCE",
                        help="best.pt written by facemtl train, or a bundled model / card to "
                        "re-export with other inference options; two or more bundled models "
                        "/ cards: one ensemble graph whose heads are their mean")
    export.add_argument("--out", required=True, help="output folder for NAME.onnx and NAME.json")
    export.add_argument("--name", required=True, help="model name, e.g. base")
    export.add_argument("--version", default="0.1.0")
    export.add_argument("--flip-tta", action="store_true",
                        help="average each face with its mirror image inside the graph")
    export.add_argument("--age-decoder", choices=("top2", "expectation", "argmax"),
                        help="how the age bins become years (default: the training config's)")
    export.add_argument("--int8", action="append", default=[], metavar="NAME=DIR",
                        help="quantise to int8, calibrating on this data set's train split "
                        "(repeatable; e.g. ferplus=DIR utkface=DIR); bundled/card sources")
    export.add_argument("--cache-dir", default=".cache/facemtl",
                        help="where cropped arrays are cached")
    export.add_argument("--member", type=int, metavar="N",
                        help="write out network N (0, 1, ...) of an ensemble model")
    export.add_argument("--framing", choices=("detector", "dataset"),
                        help="an ensemble's framing, when its members' differ")
    export.add_argument("--input-size", type=int, metavar="PX",
                        help="run a bundled model / card at this input size (e.g. 64 for a "
                        "cheaper answer; measure it again)")
    export.set_defaults(func=run_export)


def _parse_data(items: list[str]) -> dict[str, str]:
    datasets = {}
    for item in items:
        name, sep, folder = item.partition("=")
        if not sep or not folder:
            raise FacemtlError(f"--data {item!r}: expected NAME=DIR, e.g. ferplus=../data/ferplus")
        datasets[name] = folder
    return datasets


def run_train(args: argparse.Namespace) -> int:
    from facemtl.train.config import TrainConfig
    from facemtl.train.trainer import train

    overrides = {key: getattr(args, key) for key in (
        "backbone", "input_size", "epochs", "batch_size", "lr", "limit", "max_steps", "init",
        "cache_dir", "device", "seed", "out_dir", "folder_crop", "optimizer", "sharing",
        "framing", "teacher")}
    if args.data:
        overrides["datasets"] = _parse_data(args.data)
    if args.no_pretrained:
        overrides["pretrained"] = False
    if args.quiet:
        overrides["progress"] = False
    config = TrainConfig.from_file(args.config, **overrides)
    result = train(config, resume=not args.no_resume)
    best = result["best"]
    print(json.dumps({"best_epoch": best.get("epoch"), "score": round(best["score"], 4),
                      "checkpoint": result["checkpoint"]}))
    return 0


def run_export(args: argparse.Namespace) -> int:
    if len(args.checkpoint) > 1:
        from facemtl.train.ensemble import export_ensemble

        options = [flag for flag, value in (("--flip-tta", args.flip_tta),
                                            ("--age-decoder", args.age_decoder),
                                            ("--int8", args.int8), ("--member", args.member),
                                            ("--input-size", args.input_size))
                   if value is not None and value is not False and value != []]
        if options:
            raise FacemtlError(f"{' '.join(options)}: not for an ensemble (it keeps each "
                               "member's own options; export the members with them first)")
        onnx_path, card_path = export_ensemble(args.checkpoint, args.out, args.name,
                                               args.version, args.framing)
    else:
        from facemtl.train.export import export_model

        if args.framing:
            raise FacemtlError("--framing: only for an ensemble (two or more sources)")
        onnx_path, card_path = export_model(args.checkpoint[0], args.out, args.name,
                                            args.version, args.flip_tta, args.age_decoder,
                                            _parse_data(args.int8) or None, args.cache_dir,
                                            args.member, args.input_size)
    print(f"wrote {onnx_path} and {card_path}")
    return 0

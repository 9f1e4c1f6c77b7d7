"""``facemtl evaluate``: the metrics a model card reports, reproduced through the runtime."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from facemtl.evaluate import SPLITS


def add_evaluate_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate", help="measure a model on a labelled data set (via ONNX)",
        description="Accuracy, macro-F1 and per-class recall (expression), age MAE, gender "
        "and ethnicity accuracy on a data set split, through the ONNX runtime.")
    parser.add_argument("--dataset", required=True, choices=sorted(SPLITS))
    parser.add_argument("--data", required=True, metavar="DIR", help="the data set's folder")
    parser.add_argument("--split", default="test", help="test (default), valid, train; "
                        "ckplus: all")
    parser.add_argument("--model", default="base", help="bundled model name or card path")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--write-card", action="store_true",
                        help="record the result in the model card's 'metrics'")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from facemtl.evaluate import evaluate
    from facemtl.runtime.model import FaceModel

    split = "all" if args.dataset == "ckplus" and args.split == "test" else args.split
    model = FaceModel.load(args.model, threads=args.threads)
    result = evaluate(args.dataset, args.data, split, model=model, progress=not args.quiet)
    if args.write_card:
        card = model.card
        command = "facemtl evaluate " + " ".join(
            shlex.quote(a) for a in sys.argv[2:] if a != "--write-card")
        card.raw.setdefault("metrics", {})[f"{args.dataset}/{split}"] = {
            "n": result["n"], "command": command, **result["metrics"]}
        card.save()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_result(result))
    return 0


def format_result(result: dict) -> str:
    lines = [f"model {result['model']} on {result['dataset']}/{result['split']} "
             f"({result['n']} images)"]
    metrics = result["metrics"]
    if "expression" in metrics:
        e = metrics["expression"]
        lines.append(f"  expression accuracy {e['accuracy']:.4f}  macro-F1 {e['macro_f1']:.4f}")
        lines.append("  per-class recall: " + ", ".join(
            f"{k} {v:.3f}" for k, v in e["per_class_recall"].items()))
    if "age" in metrics:
        lines.append(f"  age MAE {metrics['age']['mae']:.2f} years")
    for head in ("gender", "ethnicity"):
        if head in metrics:
            lines.append(f"  {head} accuracy {metrics[head]['accuracy']:.4f}  "
                         f"macro-F1 {metrics[head]['macro_f1']:.4f}")
    return "\n".join(lines)

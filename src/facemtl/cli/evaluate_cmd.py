"""``facemtl evaluate``: the metrics a model card reports, reproduced through the runtime."""

from __future__ import annotations

import argparse
import json

from facemtl.cli.options import add_tau_option
from facemtl.errors import FacemtlError
from facemtl.evaluation import EVALUATED
from facemtl.runtime.card import FRAMINGS
from facemtl.runtime.registry import DEFAULT_MODEL


def add_evaluate_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate", help="measure a model on a labelled data set (via ONNX)",
        description="Accuracy, macro-F1 and per-class recall (expression), age MAE, gender "
        "and ethnicity accuracy on a data set split, through the ONNX runtime.")
    parser.add_argument("--dataset", required=True, choices=sorted(EVALUATED))
    parser.add_argument("--data", required=True, metavar="DIR", help="the data set's folder")
    parser.add_argument("--split", help="test (default), valid, train; "
                        "ckplus: all; identity: all (default), or test = the people that "
                        "identity pre-training held out")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"bundled model name or card path (default: {DEFAULT_MODEL})")
    parser.add_argument("--framing", choices=FRAMINGS,
                        help="how data set crops are framed: detector (faces re-found and cut "
                        "as analyze cuts a photo) or dataset (the data set's own crops); "
                        "default: the framing the model card says it was trained on")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--write-card", action="store_true",
                        help="record the result in the model card's 'metrics'")
    parser.add_argument("--confusion", metavar="OUT.png",
                        help="draw the expression confusion matrix (needs matplotlib)")
    parser.add_argument("--threads", type=int, default=0)
    add_tau_option(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from facemtl.evaluation import evaluate, record_metrics
    from facemtl.runtime.model import FaceModel

    if args.tau is not None and args.write_card:  # refused before the measuring, not after
        raise FacemtlError("--write-card records the card's own answers: leave out --tau")
    model = FaceModel.load(args.model, threads=args.threads, tau=args.tau)
    if args.confusion:
        from facemtl.writers.plot import require_matplotlib

        require_matplotlib("--confusion")
    result = evaluate(args.dataset, args.data, args.split, model=model, progress=not args.quiet,
                      framing=args.framing)
    if args.confusion and "expression" in result["metrics"]:
        from facemtl.writers.confusion import write_confusion_plot

        expression = result["metrics"]["expression"]
        write_confusion_plot(expression["confusion"], model.card.labels("expression"),
                             args.confusion, f"{model.card.name} on {args.dataset}/"
                             f"{result['split']} (accuracy {expression['accuracy']:.3f})")
    if args.write_card:
        record_metrics(model, result, args.data, args.model)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_result(result))
    return 0


def format_result(result: dict) -> str:
    lines = [f"model {result['model']} on {result['dataset']}/{result['split']} "
             f"({result['n']} images, {result['framing']} framing)"]
    metrics = result["metrics"]
    if "expression" in metrics:
        e = metrics["expression"]
        lines.append(f"  expression accuracy {e['accuracy']:.4f}  macro-F1 {e['macro_f1']:.4f}")
        lines.append("  per-class recall: " + ", ".join(
            f"{k} {v:.3f}" for k, v in e["per_class_recall"].items()))
    if "age" in metrics:
        lines.append(f"  age MAE {metrics['age']['mae']:.2f} years")
    if "identity" in metrics:
        m = metrics["identity"]
        lines.append(f"  verification ({m['people']} people, {m['pairs']} pairs): ROC AUC "
                     f"{m['roc_auc']:.4f}, accuracy {m['accuracy']:.4f} at cosine "
                     f"{m['threshold']:.3f}")
        lines.append(f"  rank-1 identification {m['rank1']:.4f} ({m['rank1_queries']} queries)")
    for head in ("gender", "ethnicity"):
        if head in metrics:
            lines.append(f"  {head} accuracy {metrics[head]['accuracy']:.4f}  "
                         f"macro-F1 {metrics[head]['macro_f1']:.4f}")
    for name, cells in result.get("breakdown", {}).items():
        key = "mae" if name.startswith("age_mae") else "accuracy"
        lines.append(f"  {name.replace('_', ' ')}: " + ", ".join(
            f"{group} {cell[key]:.3f} (n={cell['n']})" for group, cell in cells.items()
            if cell["n"]))
    return "\n".join(lines)

"""``facemtl models``: the bundled models and the figures their cards report."""

from __future__ import annotations

import argparse
import json


def add_models_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("models", help="list bundled models and their card metrics")
    parser.add_argument("--json", action="store_true", help="print the full cards as JSON")
    parser.set_defaults(func=run_models)


def run_models(args: argparse.Namespace) -> int:
    from facemtl.runtime import ModelCard, available_models, resolve_model
    from facemtl.synthesis import DEFAULT_SYNTHESIS_MODEL

    cards = [ModelCard.load(resolve_model(name)) for name in available_models()]
    if args.json:
        print(json.dumps({card.name: card.raw for card in cards}, indent=2))
        return 0
    for card in cards:
        if card.kind != "analysis":
            labels = ", ".join(card.head("face").labels)
            default = "  default of synthesize" if card.name == DEFAULT_SYNTHESIS_MODEL else ""
            print(f"{card.name}  {card.kind}  {card.input.size}px {card.input.colour}{default}  "
                  f"expressions: {labels}  ({card.raw.get('architecture', '')})")
            continue
        trained = [name for name, head in card.heads.items() if head.trained]
        inference = card.inference
        tta = inference.get("test_time_augmentation")  # an ensemble's members may differ
        options = ([{"mixed": "flip TTA in some members"}.get(tta, "flip TTA")] if tta else []) + \
            (["int8"] if inference.get("quantization") else []) + \
            ([f"logit adjustment tau {card.head('expression').tau:g}"]
             if card.head("expression").tau else []) + \
            [f"{card.input.framing} framing"]  # how its figures' faces were cut
        members = card.raw.get("ensemble") or []
        network = ("mean of " + " + ".join(f"{m['name']} {m['version']} ({m['input']['size']}px)"
                                           for m in members)) if members else card.backbone
        print(f"{card.name}  {network}  {card.input.size}px {card.input.colour}"
              f"{''.join('  ' + o for o in options)}  heads: {', '.join(trained)}")
        for key, values in card.raw.get("metrics", {}).items():
            figures = []
            for head, metric in values.items():
                if head == "breakdown" or not isinstance(metric, dict):
                    continue
                if head == "age":
                    figures.append(f"age MAE {metric['mae']:.2f}")
                elif head == "identity":
                    figures.append(f"verification AUC {metric['roc_auc']:.4f}, "
                                   f"rank-1 {metric['rank1']:.4f}")
                else:
                    figures.append(f"{head} acc {metric['accuracy']:.4f}")
            print(f"  {key}: {', '.join(figures)}")
    return 0

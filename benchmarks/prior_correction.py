"""Post-hoc logit adjustment of a model's expression answer (Menon et al., "Long-tail learning
via logit adjustment", ICLR 2021): divide each class's probability by its FER+ train share
raised to ``tau`` and renormalise, so rare classes (contempt, disgust, fear) need less
evidence to win. ``tau`` is chosen on validation only: the one with the highest mean recall of
the three rare classes whose FER+ valid accuracy stays within ``--max-drop`` of the
unadjusted model's (issue 10's rule for synthetic balancing: at most 0.5 points). Only then
are the test splits scored, for ``tau = 0`` and the chosen value.

    python benchmarks/prior_correction.py [--model accurate] [--data ../shared/data]
        [--write-card]

``--write-card`` records the chosen ``tau`` and the train shares in the card
(``outputs.expression.adjustment``), which the runtime and ``evaluate`` then follow; the card's
metrics must be measured again afterwards (``bash benchmarks/accuracy.sh MODEL --write-card``).
Probabilities are always taken before any adjustment the card already has.

FER+ majority labels, framed as the card says; CK+48 halves through ``evaluate``'s crops (its
7 classes). Writes benchmarks/results/prior_correction-MODEL.json.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from common import RESULTS, model_arguments

from facemtl.data.ferplus import read_ferplus
from facemtl.evaluation import model_outputs, only_present_classes
from facemtl.io.atomic import write_json
from facemtl.labels import EMOTIONS
from facemtl.metrics import classification_metrics
from facemtl.runtime import FaceModel
from facemtl.runtime.decode import adjust_expression

RARE = ("contempt", "disgust", "fear")
FOLDERS = {"ferplus": "ferplus", "ckplus": "ckplus48"}


def train_shares(data: Path) -> np.ndarray:
    """Each expression's share of FER+ train (majority labels), in EMOTIONS order."""
    labels = [s.expression_label for s in read_ferplus(data / "ferplus", "train", "majority")]
    counts = np.bincount(labels, minlength=len(EMOTIONS)).astype(np.float64)
    return counts / counts.sum()


def probabilities(model: FaceModel, dataset: str, split: str, data: Path
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The network's expression probabilities (before any adjustment) and the true labels on
    one split, cut as ``evaluate`` cuts them."""
    _, arrays, outputs = model_outputs(model, dataset, data / FOLDERS[dataset], split,
                                       model.card.input.framing, progress=False)
    probs = outputs["expression"]
    if dataset == "ckplus":  # no neutral in CK+48: the most probable of its own 7 classes
        probs = only_present_classes(probs, arrays)
    return probs, arrays.expression.argmax(axis=1)


def scores(probs: np.ndarray, labels: np.ndarray, shares: np.ndarray, tau: float) -> dict:
    metrics = classification_metrics(labels, adjust_expression(probs, shares, tau).argmax(axis=1),
                                     EMOTIONS)
    recall = metrics["per_class_recall"]
    return {"accuracy": round(metrics["accuracy"], 4), "macro_f1": round(metrics["macro_f1"], 4),
            "rare_mean_recall": round(float(np.mean([recall[c] for c in RARE])), 4),
            "per_class_recall": {k: round(v, 4) for k, v in recall.items()}}


def main() -> None:
    parser = model_arguments(__doc__, "accurate")
    parser.add_argument("--taus", type=float, nargs="+",
                        default=[round(0.1 * i, 1) for i in range(16)])
    parser.add_argument("--max-drop", type=float, default=0.005)
    parser.add_argument("--write-card", action="store_true",
                        help="record the chosen tau in the model's card")
    args = parser.parse_args()
    model = FaceModel.load(args.model)
    shares = train_shares(args.data)
    probs, labels = probabilities(model, "ferplus", "valid", args.data)
    valid = {tau: scores(probs, labels, shares, tau) for tau in args.taus}
    for tau, row in valid.items():
        print(f"valid tau {tau:.1f}: accuracy {row['accuracy']:.4f} macro-F1 {row['macro_f1']:.4f} "
              f"rare recall {row['rare_mean_recall']:.3f}", flush=True)
    floor = valid[0.0]["accuracy"] - args.max_drop
    chosen = max((t for t in args.taus if valid[t]["accuracy"] >= floor),
                 key=lambda t: (valid[t]["rare_mean_recall"], -t))
    print(f"chosen on FER+ valid: tau {chosen}")
    held_out = {}
    for dataset, split in (("ckplus", "valid"), ("ferplus", "test"), ("ckplus", "test")):
        probs, labels = probabilities(model, dataset, split, args.data)
        held_out[f"{dataset}/{split}"] = {str(t): scores(probs, labels, shares, t)
                                          for t in sorted({0.0, chosen})}
        print(dataset, split, {t: (r["accuracy"], r["rare_mean_recall"])
                               for t, r in held_out[f"{dataset}/{split}"].items()}, flush=True)
    out = RESULTS / f"prior_correction-{model.card.name}.json"
    share_of = dict(zip(EMOTIONS, np.round(shares, 5).tolist(), strict=True))
    write_json(out, {"command": f"python benchmarks/prior_correction.py --model {args.model}",
                     "model": model.card.name, "framing": model.card.input.framing,
                     "train_shares": share_of,
                     "rule": f"highest rare-class mean recall on FER+ valid with accuracy at "
                             f"most {args.max_drop:.3f} below tau = 0",
                     "chosen_tau": chosen, "ferplus/valid": {str(t): r for t, r in valid.items()},
                     **held_out})
    print(f"wrote {out}")
    if args.write_card:
        card = model.card
        card.raw["outputs"]["expression"]["adjustment"] = {
            "method": "logit adjustment (Menon et al., ICLR 2021): each probability divided by "
                      "its class's train share to the power tau, renormalised",
            "tau": chosen,
            "train_shares": share_of,
            "chosen_by": f"{args.max_drop:.3f} rule on FER+ valid: python "
                         f"benchmarks/prior_correction.py --model {args.model}"}
        card.raw["metrics"] = {}  # the answers changed: measure them again
        print(f"wrote tau {chosen} into {card.save()}; its metrics were cleared")


if __name__ == "__main__":
    main()

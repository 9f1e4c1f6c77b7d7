"""Print docs/MODELS.md's tables from the JSON results that benchmarks/accuracy.sh,
model_speed.py and recipe_comparison.py wrote, so the document quotes them verbatim.

    python benchmarks/models_table.py [--models fast accurate]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
#: Issue 11's targets on held-out data (rare: contempt, disgust and fear recall, each).
TARGETS = {"fast": {"ferplus": 0.84, "ckplus_test": 0.75, "mae": 5.2, "gender": 0.93,
                    "ethnicity": 0.84, "ms": 2.5},
           "accurate": {"ferplus": 0.86, "ckplus_test": 0.80, "rare": 0.50, "mae": 4.6,
                        "gender": 0.94, "ethnicity": 0.86, "ms": 8.0}}
RARE = ("contempt", "disgust", "fear")


def load(name: str) -> dict:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else {}


def mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def print_header(columns: list[str], cells: dict[str, dict]) -> None:
    """A table's header row, separator and a row of face counts per column."""
    print("| | " + " | ".join(columns) + " |")
    print("| --- " * (len(columns) + 1) + "|")
    print("| faces | " + " | ".join(str(cells[c]["n"]) for c in columns) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["fast", "accurate"])
    args = parser.parse_args()
    speed = load("model_speed.json").get("models", {})

    print("| model | FER+ test | UTKFace MAE | gender | ethnicity | CK+48 all | CK+48 test half |"
          " ORL AUC / rank-1 | ms per face (ONNX Runtime) | issue 11's targets met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for model in args.models:
        fer = load(f"{model}-ferplus-test.json")["metrics"]["expression"]
        utk = load(f"{model}-utkface-test.json")["metrics"]
        ck = load(f"{model}-ckplus-all.json")["metrics"]["expression"]
        orl = load(f"{model}-identity-orl.json")["metrics"]["identity"]
        ms = speed.get(model, {}).get("ms_per_face_onnxruntime", float("nan"))
        half = load(f"{model}-ckplus-test.json")["metrics"]["expression"]
        t = TARGETS.get(model, {})
        checks = [fer["accuracy"] >= t["ferplus"], half["accuracy"] >= t["ckplus_test"],
                  utk["age"]["mae"] <= t["mae"], utk["gender"]["accuracy"] >= t["gender"],
                  utk["ethnicity"]["accuracy"] >= t["ethnicity"], ms <= t["ms"]] if t else []
        if "rare" in t:
            checks.append(all(fer["per_class_recall"][c] >= t["rare"] for c in RARE))
        print(f"| `{model}` | {fer['accuracy']:.2%} | {utk['age']['mae']:.2f} | "
              f"{utk['gender']['accuracy']:.2%} | {utk['ethnicity']['accuracy']:.2%} | "
              f"{ck['accuracy']:.2%} | {half['accuracy']:.2%} | "
              f"{orl['roc_auc']:.3f} / {orl['rank1']:.2%} | {ms:.2f} | "
              f"{sum(checks)} of {len(checks)} |")

    for model in args.models:
        fer = load(f"{model}-ferplus-test.json")["metrics"]["expression"]
        ck = load(f"{model}-ckplus-all.json")["metrics"]["expression"]
        print(f"\n`{model}`, expression recall per class (FER+ test / CK+48):\n")
        names = list(fer["per_class_recall"])
        print("| | " + " | ".join(names) + " | macro-F1 |")
        print("| --- " * (len(names) + 2) + "|")
        print("| FER+ | " + " | ".join(f"{fer['per_class_recall'][n]:.3f}" for n in names)
              + f" | {fer['macro_f1']:.3f} |")
        print("| CK+48 | " + " | ".join(f"{ck['per_class_recall'].get(n, float('nan')):.3f}"
                                        if n in ck["per_class_recall"] else "–" for n in names)
              + f" | {ck['macro_f1']:.3f} |")

        breakdown = load(f"{model}-utkface-test.json")["breakdown"]
        groups = list(breakdown["age_mae_by_age_group"])
        print(f"\n`{model}`, UTKFace test by age group:\n")
        print_header(groups, breakdown["age_mae_by_age_group"])
        for key, label, fmt in (("age_mae_by_age_group", "age MAE", "{:.2f}"),
                                ("gender_accuracy_by_age_group", "gender", "{:.1%}"),
                                ("ethnicity_accuracy_by_age_group", "ethnicity", "{:.1%}")):
            cells = breakdown[key]
            value = "mae" if "mae" in key else "accuracy"
            print(f"| {label} | " + " | ".join(fmt.format(cells[g][value]) for g in groups) + " |")
        races = list(breakdown["gender_accuracy_by_ethnicity"])
        print(f"\n`{model}`, UTKFace test by (true) ethnicity:\n")
        print_header(races, breakdown["gender_accuracy_by_ethnicity"])
        utk = load(f"{model}-utkface-test.json")["metrics"]
        print("| age MAE | " + " | ".join(f"{breakdown['age_mae_by_ethnicity'][r]['mae']:.2f}"
                                         for r in races) + " |")
        print("| gender | " + " | ".join(
            f"{breakdown['gender_accuracy_by_ethnicity'][r]['accuracy']:.1%}" for r in races) + " |")
        print("| ethnicity recall | " + " | ".join(
            f"{utk['ethnicity']['per_class_recall'][r]:.1%}" for r in races) + " |")


if __name__ == "__main__":
    main()

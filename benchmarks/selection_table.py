"""Print a model choice's validation table (docs/MODELS.md) from the committed JSON results,
with each candidate's selection score computed by the trainer's own formula, so the table
and the choice it records come from a command rather than from hand arithmetic.

    python benchmarks/selection_table.py benchmarks/choices/fast-0.3.json

A choice file lists candidates. Each figure is a *locator*: a results file under
benchmarks/results and a path into it; a path step that is an object picks the list item
whose fields match it. ``options`` + ``variant`` is shorthand for the four figures
``benchmarks/inference_options.py`` writes (FER+ valid, UTKFace valid age MAE with the
expectation decoder, gender, ethnicity); any figure may be given on its own instead.
A choice may set ``max_ms``, the per-face budget the issue gives the model: a candidate
measured slower than it is shown but cannot be chosen, whatever its score.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from facemtl.scoring import selection_score

RESULTS = Path(__file__).resolve().parent / "results"
FIGURES = ("ferplus", "mae", "gender", "ethnicity", "ckplus", "ms")


def locate(locator: dict[str, Any]) -> float:
    """The number a locator points at: ``{"file": ..., "path": [key | {field: value}, ...]}``."""
    value: Any = json.loads((RESULTS / locator["file"]).read_text())
    for step in locator["path"]:
        if isinstance(step, dict):
            matches = [item for item in value
                       if all(item.get(k) == v for k, v in step.items())]
            if len(matches) != 1:
                raise SystemExit(f"{locator['file']}: {len(matches)} items match {step}")
            value = matches[0]
        else:
            value = value[step]
    return float(value)


def figures(row: dict[str, Any]) -> dict[str, float]:
    """All figures of one candidate, from its ``options`` shorthand and explicit locators."""
    found: dict[str, float] = {}
    if "options" in row:
        variant, file = row.get("variant", "plain"), row["options"]
        utk = ["validation", f"utkface/{variant}/age=expectation"]
        found["ferplus"] = locate({"file": file,
                                   "path": ["validation", f"ferplus/{variant}", "expression"]})
        found["mae"] = locate({"file": file, "path": [*utk, "age"]})
        found["gender"] = locate({"file": file, "path": [*utk, "gender"]})
        found["ethnicity"] = locate({"file": file, "path": [*utk, "ethnicity"]})
    for name in FIGURES:
        if name in row:
            found[name] = locate(row[name])
    return found


def score(found: dict[str, float]) -> float:
    """The trainer's selection score over FER+, gender, ethnicity and age."""
    return selection_score({"expression": {"accuracy": found["ferplus"]},
                            "gender": {"accuracy": found["gender"]},
                            "ethnicity": {"accuracy": found["ethnicity"]},
                            "age": {"mae": found["mae"]}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("choice", type=Path, help="a JSON file under benchmarks/choices")
    args = parser.parse_args()
    choice = json.loads(args.choice.read_text())
    rows = scored(choice)
    print(f"{choice['question']}\n")
    print("| candidate | FER+ valid | UTKFace valid age MAE | gender | ethnicity |"
          " CK+48 valid half | selection score | ms per face |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    budget = choice.get("max_ms")
    for label, found, value in rows:
        if not eligible(found, budget):
            label = f"{label} (over the {budget} ms budget)"
        pct = {k: f"{found[k]:.2%}" if k in found else "–"
               for k in ("ferplus", "gender", "ethnicity", "ckplus")}
        ms = f"{found['ms']:.2f}" if "ms" in found else "–"
        print(f"| {label} | {pct['ferplus']} | {found['mae']:.2f} | {pct['gender']} | "
              f"{pct['ethnicity']} | {pct['ckplus']} | {value:.3f} | {ms} |")
    print(f"\nhighest selection score: {best_of(rows, budget)}; chosen: {choice['chosen']}")


def scored(choice: dict[str, Any]) -> list[tuple[str, dict[str, float], float]]:
    """Each candidate's label, figures and selection score, in the choice file's order."""
    return [(row["label"], found, score(found))
            for row, found in ((row, figures(row)) for row in choice["candidates"])]


def eligible(found: dict[str, float], budget: float | None) -> bool:
    """Whether a candidate meets the choice's speed budget (no budget, or no speed: yes)."""
    return budget is None or "ms" not in found or found["ms"] <= budget


def best_of(rows: list[tuple[str, dict[str, float], float]],
            budget: float | None = None) -> str:
    """The label of the row with the highest selection score among those within budget."""
    return max((row for row in rows if eligible(row[1], budget)), key=lambda row: row[2])[0]


def highest(choice: dict[str, Any]) -> str:
    """The label of the eligible candidate with the highest selection score."""
    return best_of(scored(choice), choice.get("max_ms"))


if __name__ == "__main__":
    main()

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
measured slower than it is shown but cannot be chosen, whatever its score. It may also set
``min_gain``: the first candidate is then the current model, and a candidate measured slower
than it must beat its score by at least that much to be chosen, so that a slower model does
not replace a faster one on a difference far inside validation noise (one FER+ valid face is
0.00007 of the score; 0.001 is about 14 faces of FER+ valid).
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
        elif not gains_enough(found, value, rows[0], choice.get("min_gain")):
            label = f"{label} (slower than the current model, gain under {choice['min_gain']})"
        pct = {k: f"{found[k]:.2%}" if k in found else "–"
               for k in ("ferplus", "gender", "ethnicity", "ckplus")}
        ms = f"{found['ms']:.2f}" if "ms" in found else "–"
        print(f"| {label} | {pct['ferplus']} | {found['mae']:.2f} | {pct['gender']} | "
              f"{pct['ethnicity']} | {pct['ckplus']} | {value:.3f} | {ms} |")
    print(f"\nhighest selection score: {best_of(rows, budget)}; "
          f"by the rule: {highest(choice)}; chosen: {choice['chosen']}")


def scored(choice: dict[str, Any]) -> list[tuple[str, dict[str, float], float]]:
    """Each candidate's label, figures and selection score, in the choice file's order."""
    return [(row["label"], found, score(found))
            for row, found in ((row, figures(row)) for row in choice["candidates"])]


def eligible(found: dict[str, float], budget: float | None) -> bool:
    """Whether a candidate meets the choice's speed budget (no budget, or no speed: yes)."""
    return budget is None or "ms" not in found or found["ms"] <= budget


def gains_enough(found: dict[str, float], value: float,
                 current: tuple[str, dict[str, float], float], min_gain: float | None) -> bool:
    """Whether a candidate may replace the current model (the first row) under ``min_gain``:
    always when there is no such rule or it is not measured slower than the current model
    (the current model itself included); otherwise only by a score gain of at least
    ``min_gain``."""
    if min_gain is None or "ms" not in found or "ms" not in current[1]:
        return True
    return found["ms"] <= current[1]["ms"] or value >= current[2] + min_gain


def best_of(rows: list[tuple[str, dict[str, float], float]],
            budget: float | None = None, min_gain: float | None = None) -> str:
    """The label of the row with the highest selection score among those within budget (and,
    with ``min_gain``, among those that gain enough to replace the current model)."""
    return max((row for row in rows if eligible(row[1], budget)
                and gains_enough(row[1], row[2], rows[0], min_gain)),
               key=lambda row: row[2])[0]


def highest(choice: dict[str, Any]) -> str:
    """The label of the candidate chosen by the rule: the highest selection score among those
    within ``max_ms`` and, with ``min_gain``, gaining enough over the current model."""
    return best_of(scored(choice), choice.get("max_ms"), choice.get("min_gain"))


if __name__ == "__main__":
    main()

"""Argument types shared by the commands: impossible values are refused by argparse in one
line naming the option."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def positive(kind: type, least: float | None = None) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` above 0 (or at least ``least`` when given),
    refused in one line otherwise."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if (value <= 0) if least is None else (value < least):
            raise argparse.ArgumentTypeError(
                f"must be {'positive' if least is None else f'at least {least}'}, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def add_tau_option(parser: argparse.ArgumentParser) -> None:
    """``--tau``: the strength of the expression answer's logit adjustment, one definition
    for every command that runs an analysis model."""
    parser.add_argument("--tau", type=positive(float, least=0), metavar="T",
                        help="strength of the logit adjustment of the expression answer: "
                        "0 = the network's own probabilities, higher = rare expressions win "
                        "with less evidence (default: the model card's, chosen on "
                        "validation data; docs/MODELS.md)")

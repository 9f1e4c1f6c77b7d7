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

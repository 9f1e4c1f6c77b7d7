"""``facemtl analyze`` (placeholder until the analyzer lands)."""

import argparse


def add_evaluate_parser(commands: argparse._SubParsersAction) -> None:
    pass

"""``facemtl analyze`` (placeholder until the analyzer lands)."""

import argparse


def add_analyze_parser(commands: argparse._SubParsersAction) -> None:
    pass

"""Entry point: ``facemtl analyze | evaluate | models | serve | synthesize | train | export |
video``.

Modes mirror the Python API (``FaceAnalyzer.analyze``, ``evaluate``, ``train``,
``export_checkpoint``). Errors the user can fix print as one line, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys

from facemtl import __version__
from facemtl.errors import FacemtlError


def build_parser() -> argparse.ArgumentParser:
    from facemtl.cli.analyze_cmd import add_analyze_parser
    from facemtl.cli.evaluate_cmd import add_evaluate_parser
    from facemtl.cli.models_cmd import add_models_parser
    from facemtl.cli.serve_cmd import add_serve_parser
    from facemtl.cli.synthesize_cmd import add_synthesize_parser
    from facemtl.cli.train_cmd import add_train_parser
    from facemtl.cli.video_cmd import add_video_parser

    parser = argparse.ArgumentParser(
        prog="facemtl", description="Facial expression and attributes with lightweight "
        "multi-task networks (offline, bundled ONNX models).")
    parser.add_argument("--version", action="version", version=f"facemtl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_analyze_parser(commands)
    add_evaluate_parser(commands)
    add_models_parser(commands)
    add_serve_parser(commands)
    add_synthesize_parser(commands)
    add_train_parser(commands)
    add_video_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except FacemtlError as error:
        print(f"facemtl: error: {error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as error:
        print(f"facemtl: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # stdout was closed early (e.g. `facemtl analyze ... | head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print("facemtl: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as error:
        if error.name in ("torch", "timm", "onnx", "yaml", "sklearn", "joblib"):
            extra = "video" if args.command == "video" else "train"
            print(f"facemtl: error: '{args.command}' needs the {extra} extra "
                  f"(pip install 'facemtl[{extra}]')", file=sys.stderr)
            return 2
        raise

"""``facemtl analyze PATH...``: files, folders (recursive) and globs -> JSONL / CSV rows.

A bad file gets one line on stderr naming it; the batch goes on; the exit code is 1 if
any file failed.
"""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from facemtl.errors import FacemtlError


def add_analyze_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "analyze", help="analyse faces in images (JSON lines on stdout)",
        description="Detect faces and predict expression, valence/arousal, age, gender and "
        "ethnicity. Prints one JSON object per face per line; an image without a face gives "
        "one line with \"face\": null.")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="image files, folders, globs")
    parser.add_argument("--model", default="base",
                        help="bundled model name or path to a model card (default: base)")
    parser.add_argument("--csv", metavar="FILE", help="also write the rows as CSV")
    parser.add_argument("--annotate", metavar="DIR", help="write annotated copies here")
    parser.add_argument("--embedding", action="store_true", help="add the face embedding")
    parser.add_argument("--align", action="store_true",
                        help="5-point aligned crops instead of tight boxes")
    parser.add_argument("--min-face", type=int, default=20, help="smallest face side (px)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all)")
    parser.add_argument("--no-jsonl", action="store_true", help="print nothing on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    from facemtl.analyzer import FaceAnalyzer
    from facemtl.io.discover import expand_inputs
    from facemtl.io.images import load_image
    from facemtl.writers import CsvWriter, JsonlWriter, face_rows, write_annotated

    analyzer = FaceAnalyzer(model=args.model, align=args.align, min_face=args.min_face,
                            threads=args.threads)
    files = expand_inputs(args.paths)
    if not files:
        raise FacemtlError("no input files found")
    writers = [] if args.no_jsonl else [JsonlWriter()]
    csv_writer = CsvWriter(args.csv) if args.csv else None
    if csv_writer:
        writers.append(csv_writer)
    failures = 0
    bar = tqdm(files, unit="img", disable=args.quiet or len(files) < 2, file=sys.stderr)
    try:
        for path in bar:
            try:
                rgb = load_image(path)
                faces = analyzer.analyze_array(rgb)
                if args.annotate:
                    write_annotated(rgb, faces, args.annotate, path)
            except FacemtlError as error:
                failures += 1
                tqdm.write(f"facemtl: error: {error}", file=sys.stderr)
                continue
            except Exception as error:  # noqa: BLE001 - one bad file must not stop the batch
                failures += 1
                tqdm.write(f"facemtl: error: {path}: {type(error).__name__}: {error}",
                           file=sys.stderr)
                continue
            rows = face_rows(str(path), faces, embedding=args.embedding)
            for writer in writers:
                writer.write(rows)
    except BaseException:
        if csv_writer:
            csv_writer.abort()
        raise
    for writer in writers:
        writer.close()
    if failures:
        print(f"facemtl: {failures} of {len(files)} file(s) failed", file=sys.stderr)
    return 1 if failures else 0

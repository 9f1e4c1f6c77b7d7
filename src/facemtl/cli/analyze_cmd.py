"""``facemtl analyze PATH...``: images and videos (files, folders, globs) -> JSONL / CSV /
Parquet rows, annotated copies, per-track plots and summaries.

A bad file gets one line on stderr naming it; the batch goes on; the exit code is 1 if
any file failed. A damaged video keeps the rows of the frames before the damage.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tqdm import tqdm

from facemtl.errors import FacemtlError
from facemtl.runtime.registry import DEFAULT_MODEL


def add_analyze_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "analyze", help="analyse faces in images and videos (JSON lines on stdout)",
        description="Detect faces and predict expression, valence/arousal, age, gender and "
        "ethnicity. Prints one JSON object per face per line; an image (or video frame) "
        "without a face gives one line with \"face\": null. Videos (mp4, mov, avi, mkv, "
        "webm; recognised by content) give one row per frame per face with frame, time_s "
        "and a track id per person.")
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="image or video files, folders, globs; to try it at once: "
                        "facemtl analyze $(python -m facemtl.sample)")
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"bundled model name or path to a model card (default: {DEFAULT_MODEL})")
    parser.add_argument("--jsonl", metavar="FILE",
                        help="write the JSON lines to FILE instead of stdout")
    parser.add_argument("--csv", metavar="FILE", help="also write the rows as CSV")
    parser.add_argument("--parquet", metavar="FILE",
                        help="also write the rows as Parquet (needs pyarrow)")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run with the same outputs: files already "
                        "written to --jsonl/--csv/--parquet are skipped, the rest added once")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace existing --jsonl/--csv/--parquet files (without it, and "
                        "without --resume, an existing output is an error)")
    parser.add_argument("--annotate", metavar="DIR|OUT.mp4",
                        help="write annotated copies into DIR; for a video, OUT.mp4 names "
                        "the annotated video (several videos: OUT_<name>.mp4)")
    parser.add_argument("--fps", type=positive(float), metavar="N",
                        help="videos: analyse N frames per second (default: every frame)")
    parser.add_argument("--detect-every", type=positive(int), default=None, metavar="K",
                        help="videos: run the face detector on at most every K-th frame and "
                        "follow faces between with optical flow (default: "
                        "facemtl.video.pipeline.DETECT_EVERY; 1 = every frame)")
    parser.add_argument("--plot", metavar="OUT.png",
                        help="videos: per-track emotion and valence/arousal curves "
                        "(needs matplotlib; several videos: OUT_<name>.png)")
    parser.add_argument("--summary", metavar="FILE.json",
                        help="videos: per-track and per-video summaries and descriptors")
    parser.add_argument("--embedding", action="store_true", help="add the face embedding")
    parser.add_argument("--align", action="store_true", default=None,
                        help="5-point aligned crops instead of tight boxes (default: as the "
                        "model's card says; the bundled models use tight boxes)")
    parser.add_argument("--min-face", type=positive(int), default=20,
                        help="smallest face side (px)")
    parser.add_argument("--det-size", type=positive(int, least=32), default=960, metavar="PX",
                        help="longest image side the detector sees (default 960; smaller "
                        "is faster but misses small faces)")
    parser.add_argument("--threads", type=positive(int, least=0), default=0,
                        help="CPU threads (0 = all)")
    parser.add_argument("--no-jsonl", action="store_true", help="print nothing on stdout")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no end-of-run summary")
    parser.set_defaults(func=run_analyze)


def positive(kind: type, least: float = 0) -> Callable[[str], Any]:
    """An argparse type: a number of ``kind`` above 0 (or at least ``least`` when given),
    refused in one line otherwise."""
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if (value < least) if least else (value <= 0):
            raise argparse.ArgumentTypeError(
                f"must be {'at least ' + str(least) if least else 'positive'}, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def run_analyze(args: argparse.Namespace) -> int:
    from facemtl.analyzer import FaceAnalyzer
    from facemtl.cli.guard import guarded
    from facemtl.io.atomic import atomic_path
    from facemtl.io.discover import find_inputs
    from facemtl.io.video import is_video
    from facemtl.writers import CsvWriter, JsonlFile, JsonlWriter, ParquetWriter, RunJournal

    started = time.perf_counter()
    outputs = [(kind, Path(path)) for kind, path in (
        (JsonlFile, args.jsonl), (CsvWriter, args.csv), (ParquetWriter, args.parquet)) if path]
    if (args.resume or args.overwrite) and not outputs:
        raise FacemtlError("--resume and --overwrite apply to --jsonl, --csv or --parquet "
                           "files; give one")
    inputs = find_inputs(args.paths)
    files = inputs.files
    if not files:
        raise FacemtlError("no input files found" + (
            f" ({len(inputs.skipped)} skipped: {inputs.skipped[0][0]}: {inputs.skipped[0][1]}"
            f"{', ...' if len(inputs.skipped) > 1 else ''})" if inputs.skipped else ""))
    videos = {f for f in files if is_video(f)}
    if args.plot and videos:
        from facemtl.writers.plot import require_matplotlib

        require_matplotlib()
    journal = RunJournal([path for _, path in outputs], args.resume, args.overwrite) \
        if outputs else None
    if journal and journal.complete:
        print(f"facemtl: {outputs[0][1]} is complete: nothing to resume (--overwrite redoes "
              "it)", file=sys.stderr)
        return 0
    row_files = [kind(path, journal.resume_at(path)) for kind, path in outputs]
    stdout = [] if args.no_jsonl or args.jsonl else [JsonlWriter()]
    done = journal.done if journal else set()
    todo = [f for f in files if str(f) not in done]
    if done:
        print(f"facemtl: resuming: {len(files) - len(todo)} of {len(files)} files already "
              "done", file=sys.stderr)
    analyzer = FaceAnalyzer(model=args.model, align=args.align, min_face=args.min_face,
                            threads=args.threads, max_side=args.det_size)
    context = _Run(args, analyzer, stdout + row_files, files, frame_columns=bool(videos),
                   several_videos=len(videos) > 1)
    context.summaries = journal.summaries if journal else []
    failed: list[Path] = []
    bar = tqdm(todo, unit="file", disable=args.quiet or len(todo) < 2, file=sys.stderr)
    finished = False
    try:
        for path in bar:
            ok, summary = guarded(path, lambda p=path: context.video(p) if p in videos
                                  else context.image(p))
            if journal and ok:
                journal.commit(str(path), row_files, summary)
            elif journal:
                journal.rollback(row_files)
            if not ok:
                failed.append(path)
            bar.set_postfix(faces=context.faces, frames=context.frames, errors=len(failed),
                            refresh=False)
        finished = True
    finally:
        if not finished:
            for writer in row_files:
                writer.suspend()  # kept, with the journal, for --resume
            if journal:
                journal.close(finished=False)
                print(f"facemtl: stopped; rerun with --resume to continue after the "
                      f"{len(journal.entries)} files done", file=sys.stderr)
    for writer in stdout + row_files:
        writer.close()
    if journal:
        journal.close(finished=True)
    if args.summary and videos:
        with atomic_path(args.summary) as partial:
            partial.write_text(json.dumps(context.summaries, indent=1) + "\n")
    problems = len(failed) + context.damaged
    if not args.quiet or problems or inputs.skipped:
        report_run(context, files, todo, failed, inputs.skipped, videos,
                   time.perf_counter() - started)
    return 1 if problems else 0


def report_run(context: _Run, files: list[Path], todo: list[Path], failed: list[Path],
               skipped: list[tuple[Path, str]], videos: set[Path], seconds: float) -> None:
    """The end of a run on stderr: each skipped folder entry with its reason, then one line:
    files (images, videos, frames), faces, errors, skipped, time."""
    for path, reason in skipped[:20]:
        print(f"facemtl: skipped {path}: {reason}", file=sys.stderr)
    if len(skipped) > 20:
        print(f"facemtl: ... and {len(skipped) - 20} more skipped", file=sys.stderr)
    done_before = len(files) - len(todo)
    analysed_videos = sum(p in videos for p in todo)
    parts = [f"{len(todo)} files ({len(todo) - analysed_videos} images, {analysed_videos} "
             f"videos: {context.frames} frames)" + (f" + {done_before} done before"
                                                    if done_before else ""),
             f"{context.faces} faces", f"{len(failed)} errors"]
    if context.damaged:
        parts.append(f"{context.damaged} damaged videos")
    parts.append(f"{len(skipped)} skipped")
    print(f"facemtl: {', '.join(parts)}, {seconds:.1f} s", file=sys.stderr)


def derived_path(template: str, source: Path, several: bool, suffix: str) -> Path:
    """Where a per-video output goes: ``template`` itself when it names a ``suffix`` file and
    there is one video, ``template_<name>`` for several, ``template/<name><suffix>`` for a
    folder."""
    target = Path(template)
    if target.suffix.lower() in _SUFFIXES[suffix]:
        return target.with_name(f"{target.stem}_{source.stem}{target.suffix}") if several \
            else target
    return target / f"{source.stem}{suffix}"


_SUFFIXES = {".mp4": (".mp4", ".mov", ".m4v", ".avi", ".mkv"), ".png": (".png", ".jpg", ".pdf",
                                                                     ".svg")}


class _Run:
    """What one ``analyze`` run shares across its files: the analyzer and the writers.

    Rows come from the results objects (``ImageResult.to_dicts``, ``FrameResult.to_dicts``),
    the one definition the Python API and the service share."""

    def __init__(self, args: argparse.Namespace, analyzer: object, writers: list,
                 files: list[Path], frame_columns: bool, several_videos: bool) -> None:
        self.args = args
        self.analyzer = analyzer
        self.writers = writers
        self.frame_columns = frame_columns
        self.several_videos = several_videos
        self.summaries: list[dict] = []
        self.damaged = 0
        self.faces = 0
        self.frames = 0
        self.annotated_images = None
        if args.annotate:
            from facemtl.writers import AnnotatedImageWriter

            folder = Path(args.annotate)
            if folder.suffix.lower() in _SUFFIXES[".mp4"]:
                folder = folder.parent
            self.annotated_images = AnnotatedImageWriter(folder, files)

    def write_rows(self, rows: list[dict]) -> None:
        for writer in self.writers:
            writer.write(rows)

    def image(self, path: Path) -> None:
        result = self.analyzer.analyze(path)
        if self.annotated_images:
            self.annotated_images.write(path, result.image, result.faces)
        self.write_rows(result.to_dicts(embedding=self.args.embedding,
                                        frame_columns=self.frame_columns))
        self.faces += len(result)

    def video(self, path: Path) -> dict:
        """Analyse one video, writing its rows frame by frame; returns its summary."""
        from facemtl.video import VideoAnalyzer
        from facemtl.writers import AnnotatedVideoWriter

        args = self.args
        # Frames are written as they come and not kept: memory stays flat on long videos.
        schedule = {} if args.detect_every is None else {"detect_every": args.detect_every}
        result = VideoAnalyzer(self.analyzer, **schedule).analyze(
            path, fps=args.fps, keep_frames=False, embeddings=args.embedding,
            keep_series=bool(args.plot))
        annotated = None
        if args.annotate:
            annotated = AnnotatedVideoWriter(
                derived_path(args.annotate, path, self.several_videos, ".mp4"),
                result.reader.output_fps)
        bar = tqdm(total=result.expected_frames, unit="frame", desc=path.name, leave=False,
                   disable=args.quiet, file=sys.stderr)
        try:
            for frame in result:
                self.write_rows(frame.to_dicts(str(path), embedding=args.embedding))
                if annotated:
                    annotated.write(frame)
                bar.update()
                self.frames += 1
                self.faces += len(frame.faces)
        except BaseException:
            if annotated:
                annotated.abort()
            raise
        finally:
            bar.close()
        if annotated:
            if annotated.frames:
                annotated.close()
            else:
                annotated.abort()
        if args.plot:
            result.plot(derived_path(args.plot, path, self.several_videos, ".png"))
        if result.damage:
            self.damaged += 1
            tqdm.write(f"facemtl: error: {result.damage}; the frames before it were analysed",
                       file=sys.stderr)
        report = result.report()
        self.summaries.append(report)
        return report

"""``facemtl analyze PATH...``: images and videos (files, folders, globs) -> JSONL / CSV /
Parquet rows, annotated copies, per-track plots and summaries.

A bad file gets one line on stderr naming it; the batch goes on; the exit code is 1 if
any file failed. A damaged video keeps the rows of the frames before the damage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

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
    parser.add_argument("--csv", metavar="FILE", help="also write the rows as CSV")
    parser.add_argument("--parquet", metavar="FILE",
                        help="also write the rows as Parquet (needs pyarrow)")
    parser.add_argument("--annotate", metavar="DIR|OUT.mp4",
                        help="write annotated copies into DIR; for a video, OUT.mp4 names "
                        "the annotated video (several videos: OUT_<name>.mp4)")
    parser.add_argument("--fps", type=float, metavar="N",
                        help="videos: analyse N frames per second (default: every frame)")
    parser.add_argument("--plot", metavar="OUT.png",
                        help="videos: per-track emotion and valence/arousal curves "
                        "(needs matplotlib; several videos: OUT_<name>.png)")
    parser.add_argument("--summary", metavar="FILE.json",
                        help="videos: per-track and per-video summaries and descriptors")
    parser.add_argument("--embedding", action="store_true", help="add the face embedding")
    parser.add_argument("--align", action="store_true", default=None,
                        help="5-point aligned crops instead of tight boxes (default: as the "
                        "model's card says; the bundled models use tight boxes)")
    parser.add_argument("--min-face", type=int, default=20, help="smallest face side (px)")
    parser.add_argument("--det-size", type=int, default=960, metavar="PX",
                        help="longest image side the detector sees (default 960; smaller "
                        "is faster but misses small faces)")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0 = all)")
    parser.add_argument("--no-jsonl", action="store_true", help="print nothing on stdout")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    from facemtl.analyzer import FaceAnalyzer
    from facemtl.cli.guard import guarded
    from facemtl.io.atomic import atomic_path
    from facemtl.io.discover import expand_inputs
    from facemtl.io.video import is_video
    from facemtl.writers import CsvWriter, JsonlWriter, ParquetWriter

    files = expand_inputs(args.paths)
    if not files:
        raise FacemtlError("no input files found")
    videos = [f for f in files if is_video(f)]
    if args.plot and videos:
        from facemtl.writers.plot import require_matplotlib

        require_matplotlib()
    file_writers = []
    if args.csv:
        file_writers.append(CsvWriter(args.csv))
    if args.parquet:
        file_writers.append(ParquetWriter(args.parquet))
    writers = ([] if args.no_jsonl else [JsonlWriter()]) + file_writers
    analyzer = FaceAnalyzer(model=args.model, align=args.align, min_face=args.min_face,
                            threads=args.threads, max_side=args.det_size)
    context = _Run(args, analyzer, writers, files, frame_columns=bool(videos),
                   several_videos=len(videos) > 1)
    failures = 0
    bar = tqdm(files, unit="file", disable=args.quiet or len(files) < 2, file=sys.stderr)
    try:
        for path in bar:
            ok, _ = guarded(path, lambda p=path: context.video(p) if p in videos
                            else context.image(p))
            failures += not ok
    except BaseException:
        for writer in file_writers:
            writer.abort()
        raise
    for writer in writers:
        writer.close()
    if args.summary and videos:
        with atomic_path(args.summary) as partial:
            partial.write_text(json.dumps(context.summaries, indent=1) + "\n")
    failures += context.damaged
    if failures:
        print(f"facemtl: {failures} of {len(files)} file(s) failed or were damaged",
              file=sys.stderr)
    return 1 if failures else 0


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

    def video(self, path: Path) -> None:
        from facemtl.video import VideoAnalyzer
        from facemtl.writers import AnnotatedVideoWriter

        args = self.args
        # Frames are written as they come and not kept: memory stays flat on long videos.
        result = VideoAnalyzer(self.analyzer).analyze(
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
        self.summaries.append(result.report())

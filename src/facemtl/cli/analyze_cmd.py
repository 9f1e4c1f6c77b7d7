"""``facemtl analyze PATH...``: images and videos (files, folders, globs) -> JSONL / CSV /
Parquet rows, annotated copies, per-track plots and summaries.

A bad file gets one line on stderr naming it; the batch goes on; the exit code is 1 if
any file failed. A damaged video keeps the rows of the frames before the damage.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tqdm import tqdm

from facemtl.cli.options import add_tau_option, positive
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
    add_tau_option(parser)
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local: files one after another here; ray: spread over a Ray "
                        "cluster (pip install 'facemtl[ray]'; docs/SCALE.md)")
    parser.add_argument("--ray-address", metavar="ADDRESS",
                        help="join this Ray cluster (e.g. auto, ray://head:10001); default: "
                        "start Ray on this machine")
    parser.add_argument("--ray-workers", type=positive(int, least=0), default=0, metavar="N",
                        help="model copies (Ray actors); 0 = one per 2 CPUs of the cluster")
    parser.add_argument("--no-jsonl", action="store_true", help="print nothing on stdout")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no end-of-run summary")
    parser.set_defaults(func=run_analyze)


def run_analyze(args: argparse.Namespace) -> int:
    from facemtl.analyzer import FaceAnalyzer
    from facemtl.batch import FileRun, local_outcomes
    from facemtl.io.atomic import write_json
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
    if args.engine == "ray" and (args.annotate or args.plot):
        raise FacemtlError("--annotate and --plot need the local engine (--engine local)")
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
    analyzer_options = {"model": args.model, "align": args.align, "min_face": args.min_face,
                        "threads": args.threads, "max_side": args.det_size, "tau": args.tau}
    writers = stdout + row_files
    summaries = journal.summaries if journal else []
    if args.engine == "ray":
        from facemtl.batch.ray_engine import ray_outcomes

        outcomes = ray_outcomes(argparse.Namespace(**{**vars(args), "quiet": True}),
                                analyzer_options, todo, videos, bool(videos),
                                args.ray_address, args.ray_workers)
    else:
        run = FileRun(args, FaceAnalyzer(**analyzer_options), writers, files,
                      frame_columns=bool(videos), several_videos=len(videos) > 1)
        outcomes = local_outcomes(run, todo, videos)
    tally = {"faces": 0, "frames": 0, "damaged": 0}
    failed: list[Path] = []
    bar = tqdm(total=len(todo), unit="file", disable=args.quiet or len(todo) < 2,
               file=sys.stderr)
    finished = False
    try:
        for outcome in outcomes:
            if outcome.ok and outcome.rows:
                for writer in writers:
                    writer.write(outcome.rows)
            if journal and outcome.ok:
                journal.commit(str(outcome.path), row_files, outcome.summary)
            elif journal:
                journal.rollback(row_files)
            if not outcome.ok:
                failed.append(outcome.path)
                tqdm.write(f"facemtl: error: {outcome.message}", file=sys.stderr)
            if outcome.summary:
                summaries.append(outcome.summary)
                if outcome.summary.get("damage"):
                    tally["damaged"] += 1
                    tqdm.write(f"facemtl: error: {outcome.summary['damage']}; the frames "
                               "before it were analysed", file=sys.stderr)
            tally["faces"] += outcome.faces
            tally["frames"] += outcome.frames
            bar.update()
            bar.set_postfix(faces=tally["faces"], frames=tally["frames"], errors=len(failed),
                            refresh=False)
        finished = True
    finally:
        bar.close()
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
        write_json(args.summary, summaries)
    problems = len(failed) + tally["damaged"]
    if not args.quiet or problems or inputs.skipped:
        report_run(tally, files, todo, failed, inputs.skipped, videos,
                   time.perf_counter() - started)
    return 1 if problems else 0


def report_run(tally: dict[str, int], files: list[Path], todo: list[Path], failed: list[Path],
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
             f"videos: {tally['frames']} frames)" + (f" + {done_before} done before"
                                                     if done_before else ""),
             f"{tally['faces']} faces", f"{len(failed)} errors"]
    if tally["damaged"]:
        parts.append(f"{tally['damaged']} damaged videos")
    parts.append(f"{len(skipped)} skipped")
    print(f"facemtl: {', '.join(parts)}, {seconds:.1f} s", file=sys.stderr)

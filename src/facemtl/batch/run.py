"""The work of one batch run, file by file, shared by the local engine (files one after
another in this process) and the Ray engine (``ray_engine.py``: the same ``FileRun`` in each
worker, so both give the same rows).

Each file ends as an ``Outcome``: whether it worked, its error line, the video's summary, the
faces and frames it held, and (from the Ray engine) its rows. The caller writes, commits to
the journal and reports, the same way for both engines.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from facemtl.analyzer import FaceAnalyzer
from facemtl.errors import FacemtlError

T = TypeVar("T")


def attempt(path: Path, work: Callable[[], T]) -> tuple[bool, T | None, str | None]:
    """``(True, result, None)``, or ``(False, None, message)``: our own errors already name
    the file; anything unexpected gets the file name and the exception's type."""
    try:
        return True, work(), None
    except FacemtlError as error:
        return False, None, str(error)
    except Exception as error:  # noqa: BLE001 - one bad file must not stop the batch
        return False, None, f"{path}: {type(error).__name__}: {error}"


@dataclass
class Outcome:
    """How one input file ended."""

    path: Path
    ok: bool
    message: str | None = None
    summary: dict[str, Any] | None = None
    faces: int = 0
    frames: int = 0
    #: The file's rows when they still have to be written (Ray); None when the local engine
    #: has written them already, frame by frame.
    rows: list[dict[str, Any]] | None = field(default=None, repr=False)


def local_outcomes(run: FileRun, paths: list[Path], videos: set[Path]) -> Iterator[Outcome]:
    """The local engine: each file in turn, its rows written by ``run`` as they come."""
    for path in paths:
        faces, frames = run.faces, run.frames
        ok, summary, message = attempt(path, lambda p=path: run.video(p) if p in videos
                                       else run.image(p))
        yield Outcome(path, ok, message, summary, run.faces - faces, run.frames - frames)


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


class FileRun:
    """What one ``analyze`` run shares across its files: the analyzer and the writers.

    Rows come from the results objects (``ImageResult.to_dicts``, ``FrameResult.to_dicts``),
    the one definition the Python API and the service share."""

    def __init__(self, args: Any, analyzer: FaceAnalyzer, writers: list,
                 files: list[Path], frame_columns: bool, several_videos: bool) -> None:
        self.args = args
        self.analyzer = analyzer
        self.writers = writers
        self.frame_columns = frame_columns
        self.several_videos = several_videos
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
        return result.report()

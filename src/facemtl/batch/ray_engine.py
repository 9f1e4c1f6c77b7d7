"""``facemtl analyze --engine ray``: files spread over a Ray cluster with Ray Data.

Images go in batches and videos one per task to a pool of actors, each of which loads the
model once and runs the same ``FileRun`` as the local engine, collecting each file's rows; the
driver gets the outcomes back in input order and writes, journals and reports them exactly as
the local engine does. With no address an embedded Ray starts on this machine; with one
(``--ray-address auto`` or ``ray://host:10001``) the run joins that cluster, whose workers
must see the input paths (a shared file system) and have facemtl installed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from facemtl.batch.run import FileRun, Outcome, attempt
from facemtl.errors import FacemtlError


class _Collect:
    """A writer that keeps the rows of the file being analysed."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def write(self, rows: list[dict[str, Any]]) -> None:
        self.rows.extend(rows)


class AnalyzeFiles:
    """The Ray actor: one analyzer per worker, loaded once; each call is one unit of work
    (a batch of images or one video) and answers one JSON outcome per file."""

    def __init__(self, options: Any, analyzer_options: dict[str, Any],
                 frame_columns: bool) -> None:
        from facemtl.analyzer import FaceAnalyzer

        self.collect = _Collect()
        self.run = FileRun(options, FaceAnalyzer(**analyzer_options), [self.collect], [],
                           frame_columns=frame_columns, several_videos=False)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        answers = []
        for unit in batch["unit"]:
            outcomes = []
            for path, video in json.loads(unit):
                self.collect.rows = []
                faces, frames = self.run.faces, self.run.frames
                ok, summary, message = attempt(Path(path), lambda p=Path(path), v=video:
                                               self.run.video(p) if v else self.run.image(p))
                outcomes.append({"ok": ok, "message": message, "summary": summary,
                                 "faces": self.run.faces - faces,
                                 "frames": self.run.frames - frames,
                                 "rows": self.collect.rows if ok else []})
            answers.append(json.dumps(outcomes))
        return {"outcomes": np.array(answers, dtype=object)}


def work_units(paths: list[Path], videos: set[Path], images_per_task: int
               ) -> list[list[tuple[str, bool]]]:
    """Consecutive images in batches of ``images_per_task``, each video alone, in order."""
    units: list[list[tuple[str, bool]]] = []
    batch: list[tuple[str, bool]] = []
    for path in paths:
        if path in videos:
            if batch:
                units.append(batch)
                batch = []
            units.append([(str(path), True)])
        else:
            batch.append((str(path), False))
            if len(batch) >= images_per_task:
                units.append(batch)
                batch = []
    if batch:
        units.append(batch)
    return units


def ray_outcomes(options: Any, analyzer_options: dict[str, Any], paths: list[Path],
                 videos: set[Path], frame_columns: bool, address: str | None = None,
                 workers: int = 0, images_per_task: int = 16) -> Iterator[Outcome]:
    """Outcomes in input order, from a pool of ``workers`` actors (0: one per 2 CPUs of the
    cluster)."""
    # the driver's stderr is the run's own report: Ray Data logs only its errors there
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")
    try:
        import ray
    except ModuleNotFoundError:
        raise FacemtlError("--engine ray needs the ray extra (pip install 'facemtl[ray]')") \
            from None
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.WARNING)
    started_here = not ray.is_initialized()
    if started_here:
        os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # an embedded, loopback-only Ray
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)
    try:
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        cpus = int(ray.cluster_resources().get("CPU", 1))
        pool = workers or max(1, cpus // 2)
        units = work_units(paths, videos, images_per_task)
        dataset = ray.data.from_items([{"unit": json.dumps(u)} for u in units]).map_batches(
            AnalyzeFiles, fn_constructor_args=(options, analyzer_options, frame_columns),
            batch_size=1, concurrency=pool, num_cpus=1)
        for unit, row in zip(units, dataset.iter_rows(), strict=True):
            for (path, _), outcome in zip(unit, json.loads(row["outcomes"]), strict=True):
                yield Outcome(Path(path), outcome["ok"], outcome["message"],
                              outcome["summary"], outcome["faces"], outcome["frames"],
                              outcome["rows"])
    finally:
        if started_here:
            ray.shutdown()

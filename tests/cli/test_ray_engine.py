"""``--engine ray`` on an embedded local Ray: the same rows as the local engine, the same
per-file errors, and ``--resume`` of a run the local engine started (and was killed in)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_analyze_cli import run_cli
from tests.cli.test_resume import journal_lines, kill_when

pytest.importorskip("ray.data", reason="the Ray engine needs the ray extra "
                                       "(pip install -e '.[ray]')")
OPTIONS = ("--model", "fast", "--det-size", "320", "--fps", "5", "-q")


@pytest.fixture(scope="module")
def folder(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ray_batch")
    for i in range(12):
        shutil.copy(media / ("multi_face.jpg" if i % 2 else "single_face.jpg"),
                    root / f"img_{i:02d}.jpg")
    shutil.copy(media / "single_face.mp4", root / "m_clip.mp4")
    (root / "c_notes.jpg").write_text("not an image")
    return root


def test_ray_engine_gives_the_local_rows_and_resumes(folder: Path, tmp_path: Path) -> None:
    local = run_cli("analyze", str(folder), "--jsonl", str(tmp_path / "local.jsonl"), *OPTIONS)
    assert local.returncode == 1
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    args = ["analyze", str(folder), "--jsonl", str(resumed / "rows.jsonl"), "--resume",
            *OPTIONS]
    process = subprocess.Popen([sys.executable, "-m", "facemtl", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_when(process, lambda: len(journal_lines(resumed)) >= 4)
    ray = run_cli(*args, "--engine", "ray", "--ray-workers", "1")
    assert ray.returncode == 1, ray.stderr
    errors = [line for line in ray.stderr.splitlines() if line.startswith("facemtl: error")]
    assert errors == [f"facemtl: error: {folder / 'c_notes.jpg'}: not a readable image"]
    assert "resuming:" in ray.stderr
    assert (resumed / "rows.jsonl").read_text() == (tmp_path / "local.jsonl").read_text()


def test_ray_engine_refuses_local_only_outputs(folder: Path, tmp_path: Path) -> None:
    result = run_cli("analyze", str(folder), "--engine", "ray", "--annotate", str(tmp_path))
    assert result.returncode == 2 and "--engine local" in result.stderr

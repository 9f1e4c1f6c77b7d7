"""Resumable runs, tested by killing real runs (SIGKILL) at several points, and the account
of every file a folder holds."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_analyze_cli import run_cli

OPTIONS = ("--model", "fast", "--det-size", "320", "--fps", "4", "-q")
#: Images in the test folder; the issue's full check is FACEMTL_RESUME_IMAGES=200.
IMAGES = int(os.environ.get("FACEMTL_RESUME_IMAGES", "20"))


@pytest.fixture(scope="module")
def folder(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """IMAGES images, three videos (two in the middle of the order, one at the end) and one
    text file named .jpg."""
    root = tmp_path_factory.mktemp("batch")
    sources = ["single_face.jpg", "multi_face.jpg", "free-mountain-vector-01.jpg"]
    for i in range(IMAGES):
        shutil.copy(media / sources[i % 3],
                    root / f"{'a' if i < IMAGES // 2 else 'z'}_{i:03d}.jpg")
    shutil.copy(media / "single_face.mp4", root / "m_clip.mp4")
    shutil.copy(media / "noface_face.mov", root / "n_clip.mov")
    shutil.copy(media / "face_noface.mov", root / "zz_clip.mov")
    (root / "k_notes.jpg").write_text("not an image")
    return root


def outputs(where: Path) -> list[str]:
    return ["--jsonl", str(where / "rows.jsonl"), "--csv", str(where / "rows.csv"),
            "--parquet", str(where / "rows.parquet")]


def start(folder: Path, where: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "facemtl", "analyze", str(folder),
                             *outputs(where), "--resume", *OPTIONS],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def journal_lines(where: Path) -> list[str]:
    journal = where / ".rows.jsonl.progress"
    return journal.read_text().splitlines() if journal.exists() else []


def kill_when(process: subprocess.Popen, ready, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and process.poll() is None:
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
        time.sleep(0.01)
    pytest.fail("the run ended before the kill point")


def test_killed_runs_resume_to_exactly_the_uninterrupted_rows(folder: Path, tmp_path: Path
                                                             ) -> None:
    reference = tmp_path / "reference"
    reference.mkdir()
    whole = run_cli("analyze", str(folder), *outputs(reference), *OPTIONS)
    assert whole.returncode == 1 and "k_notes.jpg" in whole.stderr  # the text file fails
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    partial = resumed / ".rows.partial.jsonl"
    # 1: after a few files; 2: in the middle of the first video's rows (not yet committed);
    # 3: right after the journal got a new line
    kill_when(start(folder, resumed), lambda: len(journal_lines(resumed)) >= 4)
    kill_when(start(folder, resumed), lambda: partial.exists() and "m_clip.mp4" in
              partial.read_text().rsplit("k_notes", 1)[-1] and not any(
                  "m_clip.mp4" in line for line in journal_lines(resumed)))
    count = len(journal_lines(resumed))
    kill_when(start(folder, resumed), lambda: len(journal_lines(resumed)) > count + 1)
    last = start(folder, resumed)
    _, stderr = last.communicate(timeout=300)
    assert last.returncode == 1, stderr
    assert b"resuming:" in stderr and b"already done" in stderr
    jsonl = resumed / "rows.jsonl"
    assert jsonl.read_text() == (reference / "rows.jsonl").read_text()
    assert (resumed / "rows.csv").read_text() == (reference / "rows.csv").read_text()
    pq = pytest.importorskip("pyarrow.parquet")
    assert pq.read_table(resumed / "rows.parquet").equals(
        pq.read_table(reference / "rows.parquet"))
    assert sorted(p.name for p in resumed.iterdir()) == ["rows.csv", "rows.jsonl",
                                                         "rows.parquet"]
    files = [json.loads(line)["file"] for line in jsonl.read_text().splitlines()]
    assert len(set(files)) == IMAGES + 3  # every readable file
    assert sum(f.endswith("m_clip.mp4") for f in files) > 5


def test_existing_output_is_not_overwritten_by_surprise(folder: Path, tmp_path: Path,
                                                        media: Path) -> None:
    out = tmp_path / "rows.jsonl"
    image = str(media / "single_face.jpg")
    assert run_cli("analyze", image, "--jsonl", str(out), "-q").returncode == 0
    before = out.read_text()
    again = run_cli("analyze", str(media / "multi_face.jpg"), "--jsonl", str(out), "-q")
    assert again.returncode == 2 and "--overwrite" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1 and out.read_text() == before
    done = run_cli("analyze", image, "--jsonl", str(out), "--resume", "-q")
    assert done.returncode == 0 and "nothing to resume" in done.stderr
    replaced = run_cli("analyze", str(media / "multi_face.jpg"), "--jsonl", str(out),
                       "--overwrite", "-q")
    assert replaced.returncode == 0 and len(out.read_text().splitlines()) == 5


def test_folder_scan_accounts_for_every_file(media: Path, tmp_path: Path) -> None:
    shutil.copy(media / "single_face.jpg", tmp_path / "photo.mp4")  # a JPEG named .mp4
    shutil.copy(media / "single_face.jpg", tmp_path / "noextension")
    os.symlink(tmp_path / "gone.jpg", tmp_path / "broken.jpg")
    (tmp_path / "readme.txt").write_text("hello")
    result = run_cli("analyze", str(tmp_path))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {Path(r["file"]).name for r in rows} == {"photo.mp4", "noextension"}
    assert result.returncode == 0
    assert f"skipped {tmp_path / 'broken.jpg'}: broken link" in result.stderr
    assert f"skipped {tmp_path / 'readme.txt'}: not an image or video" in result.stderr
    assert "2 files (2 images, 0 videos: 0 frames), 2 faces, 0 errors, 2 skipped" \
        in result.stderr


@pytest.mark.parametrize("option", [("--min-face", "-5"), ("--fps", "0"), ("--det-size", "8"),
                                    ("--threads", "-1"), ("--min-face", "big")])
def test_impossible_options_are_refused_in_one_line(media: Path, option: tuple[str, str]
                                                    ) -> None:
    result = run_cli("analyze", str(media / "single_face.jpg"), *option)
    assert result.returncode == 2 and result.stdout == ""
    assert option[0] in result.stderr.strip().splitlines()[-1]


def test_zero_is_allowed_where_it_means_something(media: Path) -> None:
    result = run_cli("analyze", str(media / "single_face.jpg"), "--threads", "0", "-q")
    assert result.returncode == 0, result.stderr

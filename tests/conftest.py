"""Shared fixtures: real media and data from ../shared (tests skip with a reason without it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEMTL_SHARED", ROOT.parent / "shared"))
MEDIA = SHARED / "media"
DATA = Path(os.environ.get("FACEMTL_DATA", SHARED / "data"))


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not found: put the project's shared/ folder beside the repo "
                    "or set FACEMTL_SHARED / FACEMTL_DATA")
    return path


@pytest.fixture(scope="session")
def media() -> Path:
    return _need(MEDIA)


@pytest.fixture(scope="session")
def data_root() -> Path:
    return _need(DATA)


@pytest.fixture(scope="session")
def ferplus_dir(data_root: Path) -> Path:
    return _need(data_root / "ferplus")


@pytest.fixture(scope="session")
def utkface_dir(data_root: Path) -> Path:
    return _need(data_root / "utkface")


@pytest.fixture(scope="session")
def ckplus_dir(data_root: Path) -> Path:
    return _need(data_root / "ckplus48")


@pytest.fixture(scope="session")
def analyzer():
    from facemtl import FaceAnalyzer

    return FaceAnalyzer()

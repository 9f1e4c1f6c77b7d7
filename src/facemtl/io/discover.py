"""Turn command-line arguments (files, folders, globs) into the input files of a run, and
account for every file a folder holds that is not one (with the reason)."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from facemtl.io.video import is_video

#: Image extensions taken without looking inside; other files in a folder are taken when
#: their bytes are an image or a video (a PNG named .mp4, a JPEG without an extension).
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm", ".jfif"}
)


@dataclass
class Inputs:
    """The files to analyse, in order, and the folder entries left out with the reason."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def is_image_file(path: Path) -> bool:
    """Whether ``path``'s bytes are an image Pillow can identify (reads the header only)."""
    try:
        with Image.open(path):
            return True
    except (UnidentifiedImageError, OSError, ValueError):
        return False


def find_inputs(arguments: list[str]) -> Inputs:
    """Folders recursively (images and videos judged by content), globs by pattern, files as
    they are. Arguments that match nothing are kept, so that reading them reports "file not
    found" instead of silently dropping them."""
    found = Inputs()
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            for entry in sorted(path.rglob("*")):
                _classify(entry, found)
        elif not path.exists() and glob.has_magic(argument):
            matches = sorted(Path(m) for m in glob.glob(argument, recursive=True))
            for entry in matches:
                _classify(entry, found, by_name=True)
            if not matches:
                found.files.append(path)
        else:
            found.files.append(path)
    return found


def _classify(entry: Path, found: Inputs, by_name: bool = False) -> None:
    if entry.is_symlink() and not entry.exists():
        found.skipped.append((entry, "broken link"))
    elif entry.is_dir():
        return
    elif not entry.is_file():
        found.skipped.append((entry, "not a regular file"))
    elif by_name or entry.suffix.lower() in IMAGE_EXTENSIONS or is_video(entry) \
            or is_image_file(entry):
        found.files.append(entry)
    else:
        found.skipped.append((entry, "not an image or video"))


def expand_inputs(arguments: list[str]) -> list[Path]:
    """The files of ``find_inputs`` (for callers that need no account of skipped ones)."""
    return find_inputs(arguments).files

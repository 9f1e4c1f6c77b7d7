"""Turn command-line arguments (files, folders, globs) into a list of input files."""

from __future__ import annotations

import glob
from pathlib import Path

from facemtl.io.video import is_video

#: Image extensions picked up when walking a folder (videos are recognised by content);
#: explicit file arguments are taken as given.
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif", ".pgm", ".ppm", ".jfif"}
)


def expand_inputs(arguments: list[str]) -> list[Path]:
    """Expand arguments into files: folders recursively, globs by pattern, files as they are.

    Arguments that match nothing are kept, so that reading them reports "file not found"
    for the user instead of silently dropping them.
    """
    files: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            files.extend(p for p in found if p.suffix.lower() in IMAGE_EXTENSIONS or is_video(p))
        elif not path.exists() and glob.has_magic(argument):
            matches = sorted(Path(m) for m in glob.glob(argument, recursive=True))
            files.extend(m for m in matches if m.is_file())
            if not matches:
                files.append(path)
        else:
            files.append(path)
    return files

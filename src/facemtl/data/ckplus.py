"""CK+48: ``<class>/S<subject>_<sequence>_<frame>.png``, 48x48 grey, 7 posed expressions."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facemtl.data.samples import Sample
from facemtl.labels import EMOTIONS

#: CK+48 folder names mapped onto our expression names.
CKPLUS_FOLDERS = {"anger": "anger", "contempt": "contempt", "disgust": "disgust", "fear": "fear",
                  "happy": "happiness", "sadness": "sadness", "surprise": "surprise"}


def read_ckplus(root: str | Path) -> list[Sample]:
    """All CK+48 images, labelled one-hot; ``subject`` is ``S###`` for subject-wise folds."""
    root = Path(root)
    samples = []
    for folder, emotion in sorted(CKPLUS_FOLDERS.items()):
        directory = root / folder
        if not directory.is_dir():
            raise FileNotFoundError(f"{directory}: CK+48 class folder not found")
        target = np.zeros(len(EMOTIONS), dtype=np.float32)
        target[EMOTIONS.index(emotion)] = 1.0
        for path in sorted(directory.glob("*.png")):
            samples.append(Sample(path=path, expression=target, subject=path.name.split("_")[0]))
    return samples

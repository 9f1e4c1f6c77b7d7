"""A confusion matrix as a picture (row-normalised recall per cell, counts beside), for
``facemtl evaluate --confusion`` and docs/MODELS.md. Needs matplotlib (``video`` extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from facemtl.writers.plot import require_matplotlib, save_figure


def write_confusion_plot(confusion: list[list[int]] | np.ndarray, labels: list[str],
                         path: str | Path, title: str = "") -> Path:
    """Rows are true classes, columns predictions; each cell shows the share of its row
    (and the count), so rare classes read as clearly as common ones."""
    require_matplotlib("--confusion")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = np.asarray(confusion, dtype=np.int64)
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    size = 1.2 + 0.75 * len(labels)
    figure, axes = plt.subplots(figsize=(size + 1.5, size))
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for i in range(len(labels)):
        for j in range(len(labels)):
            axes.text(j, i, f"{shares[i, j]:.2f}\n({counts[i, j]})", ha="center", va="center",
                      fontsize=7, color="white" if shares[i, j] > 0.5 else "black")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="share of true class")
    if title:
        axes.set_title(title)
    return save_figure(figure, path, dpi=110)

"""Per-track timelines as a picture: emotion probabilities over time, and valence/arousal
curves (needs matplotlib, from the ``video`` extra)."""

from __future__ import annotations

from pathlib import Path

from facemtl.errors import FacemtlError
from facemtl.io.atomic import atomic_path
from facemtl.video.summary import VideoSummary

#: More tracks than this and the figure stops being readable: the longest ones are shown.
MAX_TRACKS = 8


def require_matplotlib(option: str = "--plot") -> None:
    """Fail before a long run, not after it, when matplotlib is missing."""
    try:
        import matplotlib  # noqa: F401
    except ModuleNotFoundError:
        raise FacemtlError(f"{option} needs matplotlib (pip install 'facemtl[video]')") from None


def save_figure(figure, path: str | Path, dpi: int) -> Path:
    """Lay out, write atomically (format from the suffix, PNG by default) and close."""
    import matplotlib.pyplot as plt

    figure.tight_layout()
    target = Path(path)
    with atomic_path(target) as partial:
        figure.savefig(partial, dpi=dpi, format=target.suffix.lstrip(".") or "png")
    plt.close(figure)
    return target


def write_timeline_plot(summary: VideoSummary, path: str | Path, title: str = "") -> Path:
    """One row per track (longest first): probabilities per emotion, then valence and
    arousal (or a note when the model's valence/arousal head is untrained)."""
    require_matplotlib()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tracks = sorted(summary.tracks.items(), key=lambda item: -item[1].frames)[:MAX_TRACKS]
    rows = max(1, len(tracks))
    figure, axes = plt.subplots(rows, 2, figsize=(13, 2.8 * rows), squeeze=False,
                                gridspec_kw={"width_ratios": [3, 2]})
    if not tracks:
        axes[0, 0].text(0.5, 0.5, "no face found", ha="center", va="center")
    for row, (track, timeline) in enumerate(tracks):
        series = timeline.series
        left, right = axes[row]
        times = series["time_s"]
        if timeline.emotions:
            for k, emotion in enumerate(timeline.emotions):
                left.plot(times, [p[k] if p else None for p in series["probs"]], label=emotion,
                          linewidth=1.2)
        left.set_ylim(0, 1)
        left.set_ylabel(f"track {track}\nprobability")
        if any(v is not None for v in series["valence"]):
            right.plot(times, series["valence"], label="valence")
            right.plot(times, series["arousal"], label="arousal")
            right.set_ylim(-1, 1)
            right.axhline(0, color="grey", linewidth=0.5)
            right.legend(loc="upper right", fontsize=8)
        else:
            right.text(0.5, 0.5, "valence/arousal: not trained in this model",
                       ha="center", va="center", transform=right.transAxes, fontsize=9)
            right.set_yticks([])
    axes[0, 0].legend(loc="upper right", fontsize=7, ncol=4)
    axes[0, 0].set_title(title or "emotion probabilities per track")
    axes[0, 1].set_title("valence / arousal")
    axes[-1, 0].set_xlabel("time (s)")
    axes[-1, 1].set_xlabel("time (s)")
    return save_figure(figure, path, dpi=90)

"""Learning curves of several runs as one PNG (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_learning_curves(
    curves: dict[str, list[dict[str, Any]]], path: str | Path, *, title: str | None = None
) -> Path:
    """Plot every metric against ``step`` for each run; one panel per metric.

    ``curves`` maps a run's label to its metric entries (``{"step": 100, "eval_loss": ...}``,
    as in ``metrics.jsonl``). Entries without a metric are skipped. Returns the PNG's path.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    names = sorted(
        {
            k
            for entries in curves.values()
            for e in entries
            for k, v in e.items()
            if k not in ("step", "time") and isinstance(v, (int, float))
        }
    )
    n = max(1, len(names))
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.6 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        for label, entries in curves.items():
            pts = [(e["step"], e[name]) for e in entries if name in e and "step" in e]
            if pts:
                xs, ys = zip(*sorted(pts), strict=True)
                ax.plot(xs, ys, marker="o", markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        if "loss" in name:
            ax.set_yscale("log")
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    if names:
        axes.flat[0].legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out

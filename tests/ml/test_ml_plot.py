"""Learning curves of several runs as a PNG."""

from __future__ import annotations

from pathlib import Path

from graftlab.ml.plot import plot_learning_curves


def test_plot_learning_curves_writes_a_png(tmp_path: Path) -> None:
    curves = {
        "baseline": [
            {"step": 100, "train_loss": 0.9, "eval_accuracy": 0.8, "time": 1.0},
            {"step": 200, "train_loss": 0.4, "eval_accuracy": 0.9, "time": 2.0},
        ],
        "wide": [{"step": 100, "train_loss": 0.7}, {"step": 200, "train_loss": 0.3}],
        "empty": [],
    }
    out = plot_learning_curves(curves, tmp_path / "sub" / "curves.png", title="runs")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5000

"""Shared helpers of the graftlab.ml tests: quiet run contexts and tiny experiments."""

from __future__ import annotations

from pathlib import Path

import graftlab.ml as ml
from graftlab.repo.context import RunContext


def context(tmp_path: Path, name: str = "run", **kw: object) -> RunContext:
    """A run context in ``tmp_path/name`` without progress bar or log echo."""
    workdir = tmp_path / name
    workdir.mkdir(parents=True, exist_ok=True)
    return RunContext(run_id=name, workdir=workdir, show_progress=False, **kw)  # type: ignore[arg-type]


def tiny_cnn(steps: int = 60, **trainer: object) -> ml.Experiment:
    """A very small CNN on digits (compiles and trains in a few seconds)."""
    return ml.Experiment(
        model=ml.cnn(widths=(8, 16), num_classes=10),
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=3e-3),
        trainer=ml.Trainer(steps=steps, batch_size=32, eval_every=20, **trainer),  # type: ignore[arg-type]
    )


def tiny_mlp(steps: int = 60) -> ml.Experiment:
    return ml.Experiment(
        model=ml.mlp(hidden=(32,), num_classes=10),
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=3e-3),
        trainer=ml.Trainer(steps=steps, batch_size=32, eval_every=20),
    )


def tiny_transformer(steps: int = 60, **kw: object) -> ml.Experiment:
    task = ml.CopyTask(num_symbols=6, length=5, train_size=512, test_size=64)
    return ml.Experiment(
        model=ml.transformer(
            task.num_classes,
            features=16,
            num_heads=2,
            encoder_layers=1,
            decoder_layers=1,
            max_length=16,
            pre_norm=False,
            **kw,  # type: ignore[arg-type]
        ),
        dataset=task,
        optimizer=ml.Adam(learning_rate=3e-3),
        trainer=ml.Trainer(steps=steps, batch_size=32, eval_every=20),
    )


def losses(ctx: RunContext, key: str = "train_loss") -> list[float]:
    return [e[key] for e in ctx.metrics_log if key in e]

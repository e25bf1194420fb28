"""Checkpoints with orbax: an interrupted run resumed from its last checkpoint ends where an
uninterrupted one does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ml_testutil as U
import pytest

from graftlab.repo.context import RunContext


class Interrupted(RunContext):
    """A context that raises KeyboardInterrupt when a metric for ``at`` arrives."""

    at = 40

    def metrics(self, step: int, **values: float) -> None:
        if step == self.at:
            raise KeyboardInterrupt
        super().metrics(step, **values)


def test_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    exp = U.tiny_cnn(steps=60)
    straight = exp.run(U.context(tmp_path, "straight"))

    workdir = tmp_path / "broken"
    workdir.mkdir()
    ctx: Any = Interrupted(run_id="b", workdir=workdir, show_progress=False)
    with pytest.raises(KeyboardInterrupt):
        exp.run(ctx)
    saved = sorted(p.name for p in (workdir / "checkpoints").iterdir())
    assert saved == ["20"]

    resumed_ctx = RunContext(run_id="b", workdir=workdir, show_progress=False, resume=True)
    resumed = exp.run(resumed_ctx)
    # the resumed run continues the recorded metrics: step 20 from before, no step twice
    assert [e["step"] for e in resumed_ctx.metrics_log] == [20, 40, 60]
    lines = (workdir / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [20, 40, 60]
    assert resumed == pytest.approx(straight, rel=1e-6, abs=1e-7)
    assert "resumed" in (workdir / "log.txt").read_text()


def test_without_resume_a_run_starts_over(tmp_path: Path) -> None:
    exp = U.tiny_mlp(steps=20)
    ctx = U.context(tmp_path, "r")
    first = exp.run(ctx)
    again = U.context(tmp_path, "r")
    assert exp.run(again) == first
    assert [e["step"] for e in again.metrics_log] == [20]

"""Data parallelism: the same run on 1 and on 4 (virtual CPU) devices gives the same result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, sys, tempfile
from pathlib import Path
import jax
import graftlab.ml as ml
from graftlab.repo.context import RunContext
exp = ml.Experiment(
    model=ml.cnn(widths=(8, 16), num_classes=10),
    dataset=ml.Digits(),
    optimizer=ml.Adam(learning_rate=3e-3),
    trainer=ml.Trainer(steps=30, batch_size=32, eval_every=30, eval_batch_size=100),
)
ctx = RunContext(run_id="p", workdir=Path(tempfile.mkdtemp()), show_progress=False)
out = exp.run(ctx)
out["devices"] = len(jax.devices())
print(json.dumps(out))
"""


def _run(devices: int, tmp_path: Path) -> dict[str, float]:
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    env["JAX_PLATFORMS"] = "cpu"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_four_devices_match_one(tmp_path: Path) -> None:
    one = _run(1, tmp_path)
    four = _run(4, tmp_path)
    assert one.pop("devices") == 1
    assert four.pop("devices") == 4
    # Reductions are split differently over devices: float rounding differs slightly, and
    # may flip the arg-max of an example whose two best logits are nearly equal.
    assert four["train_loss"] == pytest.approx(one["train_loss"], rel=1e-3)
    assert four["eval_loss"] == pytest.approx(one["eval_loss"], rel=1e-3)
    assert four["eval_accuracy"] == pytest.approx(one["eval_accuracy"], abs=0.01)


def test_batch_size_must_divide_over_devices(tmp_path: Path) -> None:
    script = SCRIPT.replace("batch_size=32", "batch_size=30").replace(
        "out = exp.run(ctx)",
        "import graftlab as gl\ntry:\n    exp.run(ctx)\nexcept gl.ComponentError as e:\n"
        "    print(json.dumps({'path': str(e.path)})); sys.exit(0)\nout = {}",
    )
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"path": "trainer.batch_size"}

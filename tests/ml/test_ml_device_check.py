"""scripts/device_check.sh in its CPU dry mode: every result line is printed and parses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _results(stdout: str) -> dict[str, dict[str, str]]:
    out = {}
    for line in stdout.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and "=" in rest:
            out[name] = dict(kv.split("=", 1) for kv in rest.split())
    return out


@pytest.mark.slow
def test_device_check_dry_mode_reports_every_result() -> None:
    env = {**os.environ, "PYTHON": sys.executable}
    r = subprocess.run(
        ["bash", str(ROOT / "scripts" / "device_check.sh"), "--cpu"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    res = _results(r.stdout)
    assert res["backend"]["platform"] == "cpu"
    for name in ("demo", "graftlab", "hand_written", "transformer", "data_parallel"):
        assert float(res[name]["steps_per_s"]) > 0, name
    assert 0.0 <= float(res["demo"]["eval_accuracy"]) <= 1.0
    assert "eval_sequence_accuracy" in res["transformer"]
    assert res["data_parallel"]["devices"] == "2"  # simulated host devices
    assert float(res["hand_written"]["ratio"]) > 0
    assert "install:" not in r.stdout  # the dry mode installs nothing


def test_device_check_refuses_an_unknown_option() -> None:
    r = subprocess.run(
        ["bash", str(ROOT / "scripts" / "device_check.sh"), "--gpu-please"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 2 and "unknown option" in r.stderr

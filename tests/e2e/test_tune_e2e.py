"""``graft tune`` end to end: the real CLI, real git, real processes, kill -9 and resume."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hyper"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tuning"))

from tune_toy_repo import IDENTITY, git, graft, make_repo
from tuning_helpers import alive, children_of, run_subjects, start_graft


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for k, v in IDENTITY.items():
        monkeypatch.setenv(k, v)
    return make_repo(tmp_path / "toy")


def _wait(pred, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def test_kill_9_then_resume_loses_nothing_and_runs_nothing_twice(root: Path) -> None:
    driver = start_graft(
        root,
        "tune",
        "slow_space",
        "--trials",
        "8",
        "--workers",
        "2",
        "--metric",
        "loss:min",
        "--algorithm",
        "evolution",
        "--option",
        "population=3",
    )
    try:
        _wait(lambda: sum("[succeeded]" in s for s in run_subjects(root)) >= 2)
        _wait(lambda: sum("[running]" in s for s in run_subjects(root)) >= 1)
        workers = children_of(driver.pid)
        assert len(workers) == 2
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
    _wait(lambda: not any(alive(p) for p in workers), 10)  # workers die with the driver
    subjects = run_subjects(root)
    interrupted = [s.split()[2].rstrip(":") for s in subjects if "[running]" in s]
    finished_before = {s.split()[2].rstrip(":") for s in subjects if "[succeeded]" in s}
    assert interrupted and len(finished_before) < 8
    git(root, "fsck", "--no-progress")  # the repository is valid after kill -9
    tune_id = json.loads(graft(root, "tunes", "--json").stdout)[0]["id"]
    proc = graft(root, "tune", "--resume", tune_id, "--save-best", "slow_best", timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "interrupted to re-run" in proc.stderr
    shown = json.loads(graft(root, "show", tune_id, "--json").stdout)
    trials = shown["trials"]
    assert sorted(t["trial"] for t in trials) == list(range(8))  # each trial exactly once
    assert all(t["status"] == "succeeded" for t in trials)
    runs = {t["run"] for t in trials}
    assert len(runs) == 8
    assert finished_before <= runs  # nothing recorded before the kill was lost or redone
    assert set(interrupted) <= runs  # interrupted trials finished under their own run ids
    values = [t["values"][0] for t in trials]
    assert values == sorted(values)  # best first
    saved = (root / "experiments" / "slow_best.py").read_text()
    assert "Best trial" in saved and "oneof" not in saved and tune_id in saved
    best = json.loads(graft(root, "show", "slow_best", "--json").stdout)
    assert "tunetoy.Trainer" in json.dumps(best["experiment"])  # it loads as a plain experiment


def test_worker_killed_mid_trial_fails_that_trial_and_the_tune_finishes(root: Path) -> None:
    driver = start_graft(root, "tune", "second_space", "--trials", "4", "--workers", "1", "--json")
    _wait(lambda: any("[running]" in s for s in run_subjects(root)))
    (worker,) = children_of(driver.pid)
    os.kill(worker, signal.SIGKILL)
    out, err = driver.communicate(timeout=120)
    assert driver.returncode == 0, err
    tune_id = json.loads(out)["tune"]
    trials = json.loads(graft(root, "show", tune_id, "--json").stdout)["trials"]
    assert len(trials) == 4
    statuses = sorted(t["status"] for t in trials)
    assert statuses.count("failed") == 1 and statuses.count("succeeded") == 3
    proc = graft(root, "runs", "--json")
    failed = [r for r in json.loads(proc.stdout) if r["status"] == "failed"]
    assert failed[0]["error"]["type"] == "WorkerDied"


def test_tune_cli_listing_plot_and_errors(root: Path) -> None:
    proc = graft(
        root,
        "tune",
        "space",
        "--trials",
        "5",
        "--algorithm",
        "grid",
        "--option",
        "size=2",
        "--metric",
        "width:max",
    )
    assert proc.returncode == 0, proc.stderr
    assert "5/5 trials" in proc.stdout
    proc = graft(root, "tunes")
    assert "space" in proc.stdout and "grid" in proc.stdout and "5/5" in proc.stdout
    tune_id = json.loads(graft(root, "tunes", "--json").stdout)[0]["id"]
    proc = graft(root, "plot", tune_id, "-o", "tune.png")
    assert proc.returncode == 0, proc.stderr
    assert (root / "tune.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    proc = graft(root, "tune", "baseline")
    assert proc.returncode == 1 and "nothing to tune" in proc.stderr
    proc = graft(root, "tune", "--resume", "tune-nope")
    assert proc.returncode == 1 and "no tune with id" in proc.stderr

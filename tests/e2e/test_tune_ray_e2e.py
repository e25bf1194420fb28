"""``graft tune --ray``: trials as Ray tasks on a real local Ray cluster started by the test.

The cluster (``ray start --head`` on 127.0.0.1 with 2 CPUs) runs in its own session and is
torn down by killing that session's process group, so nothing else on the machine is
touched. One test covers both the plain tune and a Ray worker killed mid-trial (two
clusters at once would compete for Ray's fixed ports).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hyper"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tuning"))

from _support.ray_head import local_ray_head
from tune_toy_repo import IDENTITY, graft, make_repo
from tuning_helpers import run_subjects, session_processes, start_graft

pytest.importorskip("ray", reason="the ray extra (graftlab[ray]) is part of .[dev]")


@pytest.fixture
def ray_cluster() -> Iterator[tuple[str, int]]:
    with local_ray_head(cpus=2) as cluster:
        yield cluster


def test_tune_on_a_local_ray_cluster_with_a_worker_killed_mid_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ray_cluster: tuple[str, int]
) -> None:
    address, sid = ray_cluster
    for k, v in IDENTITY.items():
        monkeypatch.setenv(k, v)
    root = make_repo(tmp_path / "toy")
    proc = graft(
        root,
        "tune",
        "space",
        "--ray",
        address,
        "--workers",
        "2",
        "--trials",
        "4",
        "--algorithm",
        "evolution",
        "--option",
        "population=2",
        "--json",
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    tune_id = json.loads(proc.stdout)["tune"]
    trials = json.loads(graft(root, "show", tune_id, "--json").stdout)["trials"]
    assert sorted(t["trial"] for t in trials) == [0, 1, 2, 3]
    assert all(t["status"] == "succeeded" for t in trials)
    tunes = json.loads(graft(root, "tunes", "--json").stdout)
    assert tunes[0]["id"] == tune_id

    # a Ray worker killed while it runs a trial: Ray retries the task once, the tune finishes
    driver = start_graft(root, "tune", "second_space", "--ray", address, "--trials", "3", "--json")
    end = time.time() + 120
    victim = None
    while victim is None and time.time() < end:
        if any("second_space [running]" in s for s in run_subjects(root)):
            tasks = [p for p, cmd in session_processes(sid) if cmd.startswith("ray::_ray_trial")]
            victim = tasks[0] if tasks else None
        time.sleep(0.1)
    assert victim is not None, "no Ray worker was seen running a trial"
    os.kill(victim, signal.SIGKILL)
    out, err = driver.communicate(timeout=240)
    assert driver.returncode == 0, err
    second = json.loads(out)["tune"]
    trials = json.loads(graft(root, "show", second, "--json").stdout)["trials"]
    assert sorted(t["trial"] for t in trials) == [0, 1, 2]  # the tune finished, no trial twice
    assert {t["status"] for t in trials} <= {"succeeded", "failed"}
    assert sum(t["status"] == "succeeded" for t in trials) >= 2

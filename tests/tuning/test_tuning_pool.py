"""The local worker pool: forked and started workers, a worker killed mid-trial, clean exit.

Each scenario runs in a fresh process of its own (``python -m`` this file's ``scenario``), as
the tune driver does: a forked worker needs a single-threaded parent, and the test runner
may have threads of its own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent


def _pipes(pid: int) -> set[str]:
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("pipe:"):
            out.add(target)
    return out


def _result(pool: Any, trial: int, timeout: float = 60) -> dict[str, Any]:
    end = time.time() + timeout
    while time.time() < end:
        for msg in pool.messages(1.0):
            if msg["op"] == "result":
                pool.results[msg["trial"]] = msg
        if trial in pool.results:
            return pool.results.pop(trial)  # type: ignore[no-any-return]
    raise AssertionError(f"no result for trial {trial}")


def scenario(root: str) -> dict[str, Any]:
    """Two workers; the one running trial 0 is killed mid-trial; trials 1 and 2 succeed."""
    from graftlab.tuning.pool import ForkedWorker, LocalPool

    def payload(trial: int) -> dict[str, Any]:
        return {
            "trial": trial,
            "name": "slow_space",
            "decisions": {"layers[0].width": 1, "lr": 0.5},
            "run_id": f"run-{trial}",
            "seed": trial,
            "watch": None,
        }

    pool = LocalPool(root, 2)
    pool.results = {}  # type: ignore[attr-defined]
    kinds = sorted({type(p).__name__ for p in pool.procs})
    while pool.capacity < 2:  # started workers say "ready" when they have imported graftlab
        pool.messages(1.0)
    first = list(pool.procs)
    protocol = {
        p.pid: {f"pipe:[{os.fstat(f.fileno()).st_ino}]" for f in (p.stdin, p.stdout)} for p in first
    }
    pool.submit(payload(0))
    pool.submit(payload(1))
    victim, survivor = first  # kill the worker started first
    lost = pool.busy[victim.pid]
    time.sleep(0.2)  # the trial has started: it sleeps 2 x 0.4 s
    os.kill(victim.pid, signal.SIGKILL)
    killed = _result(pool, lost)
    ok = _result(pool, 1 - lost)
    # the worker started last must not hold the first one's pipes (it would keep them open)
    shared = sorted(_pipes(survivor.pid) & protocol[victim.pid])
    while pool.capacity < 2:  # the replacement says it is ready
        pool.messages(1.0)
    replacement = [p for p in pool.procs if p not in first]
    pool.submit(payload(2))
    again = _result(pool, 2)
    pids = [p.pid for p in pool.procs]
    pool.close()
    return {
        "kinds": kinds,
        "replacement": [type(p).__name__ for p in replacement],
        "forked": isinstance(victim, ForkedWorker),
        "shared": shared,
        "killed": {"status": killed["status"], "error": killed["error"]},
        "ok": {"status": ok["status"], "loss": ok["metrics"].get("loss"), "pid": ok["pid"]},
        "again": {"status": again["status"], "pid": again["pid"]},
        "victim": victim.pid,
        "pids": pids,
        "reaped": [not Path(f"/proc/{pid}").exists() for pid in pids],
    }


@pytest.mark.parametrize("spawn", ["0", "1"])
def test_a_worker_killed_mid_trial_fails_that_trial_and_is_replaced(
    toy_root: Path, spawn: str
) -> None:
    code = (
        f"import json, sys; sys.path[:0] = [{str(HERE)!r}, {str(HERE.parent / 'hyper')!r}]; "
        "from test_tuning_pool import scenario; print(json.dumps(scenario(sys.argv[1])))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(toy_root)],
        cwd=toy_root,
        env={**os.environ, "GRAFT_TUNE_SPAWN": spawn},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    kind = "Popen" if spawn == "1" else "ForkedWorker"
    assert got["kinds"] == [kind] and got["forked"] == (spawn == "0")
    assert got["replacement"] == [kind]  # no thread in this driver: the replacement forks too
    assert got["killed"]["status"] == "failed"
    assert got["killed"]["error"]["type"] == "WorkerDied"
    assert "exit -9" in got["killed"]["error"]["message"]
    assert got["ok"]["status"] == "succeeded" and got["ok"]["loss"] > 0
    assert got["again"]["status"] == "succeeded" and got["again"]["pid"] != got["victim"]
    assert got["shared"] == []  # no worker holds another's pipes
    assert all(got["reaped"])  # close() leaves no worker behind


def test_a_driver_with_threads_starts_fresh_worker_processes(toy_root: Path) -> None:
    import threading

    from graftlab.tuning.pool import LocalPool

    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pool = LocalPool(str(toy_root), 1)
        try:
            assert [type(p).__name__ for p in pool.procs] == ["Popen"]
            assert pool.capacity == 1  # waits for its "ready"
            pool.submit(
                {
                    "trial": 7,
                    "name": "space",
                    "decisions": {
                        "layers[0].width": 0,
                        "layers[1]": 1,
                        "lr": 0.1,
                        "steps": 2,
                    },
                    "run_id": "run-7",
                }
            )
            pool.results = {}  # type: ignore[attr-defined]
            got = _result(pool, 7)
        finally:
            pool.close()
    finally:
        stop.set()
        thread.join()
    assert got["status"] == "succeeded", got.get("error")
    assert got["metrics"]["width"] == 36.0 and "experiment.py" in got["files"]


def test_a_worker_that_cannot_start_is_an_error_not_a_hang(
    toy_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graftlab as gl
    from graftlab.tuning.pool import LocalPool

    monkeypatch.setenv("GRAFT_TUNE_SPAWN", "1")
    monkeypatch.setattr(sys, "executable", "/bin/false")  # exits before it says "ready"
    pool = LocalPool(str(toy_root), 2)
    try:
        with pytest.raises(gl.GraftError, match="failed to start"):
            pool.capacity  # noqa: B018
    finally:
        pool.close()


NOISY = """\
import os

import graftlab as gl


@gl.symbolize
class Noisy:
    def __init__(self, x: float) -> None:
        self.x = x

    def run(self, context):
        print("noise from print")
        os.write(1, b"noise on fd 1\\n")
        return {"loss": self.x}
"""


@pytest.mark.parametrize("spawn", ["0", "1"])
def test_what_trials_print_stays_out_of_the_drivers_output(toy_root: Path, spawn: str) -> None:
    from tune_toy_repo import GRAFT_TOML, git, graft_env

    (toy_root / "graft.toml").write_text(
        GRAFT_TOML.replace('"tunepatches"]', '"tunepatches", "noisy"]', 1)
    )
    (toy_root / "noisy.py").write_text(NOISY)
    (toy_root / "experiments" / "noisy.py").write_text(
        "from graftlab import floatv\nfrom noisy import Noisy\n\nexperiment = Noisy(x=floatv(0.0, 1.0))\n"
    )
    git(toy_root, "add", "-A")
    git(toy_root, "commit", "-q", "-m", "noisy")
    args = ["tune", "noisy", "--trials", "3", "--workers", "2", "--json"]
    proc = subprocess.run(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=toy_root,
        env=graft_env(GRAFT_TUNE_SPAWN=spawn, GRAFT_TUNE_QUIET="0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()  # only the tune's own JSON
    tune_id = json.loads(line)["tune"]
    assert proc.stderr.count("noise from print") == 3 and proc.stderr.count("noise on fd 1") == 3
    from graftlab.repo.layout import Repo
    from graftlab.tuning import read_trials

    trials = read_trials(Repo(toy_root).git, tune_id)
    assert [t.status for t in trials] == ["succeeded"] * 3

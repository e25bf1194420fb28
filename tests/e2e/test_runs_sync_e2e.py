"""Run records end to end: crash safety (kill -9), concurrent runs, resume, and runs that
travel with ``graft push``/``graft pull`` and plain ``git fetch``."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from _support.git_repo import add_origin, clone, run_ids, start_graft
from graft_toy_repo import git, graft, make_toy_repo


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def start_run(root: Path, *args: str) -> subprocess.Popen[str]:
    return start_graft(root, "run", *args)


def kill9(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def assert_repository_is_sound(root: Path) -> None:
    """``git fsck`` is clean and every visible record is complete."""
    fsck = subprocess.run(
        ["git", "fsck", "--full"], cwd=root, capture_output=True, text=True, check=False
    )
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    for word in ("error", "missing", "broken", "corrupt"):
        assert word not in (fsck.stdout + fsck.stderr).lower(), fsck.stdout + fsck.stderr
    for rid in run_ids(root):
        record = json.loads(git(root, "show", f"refs/graft/runs/{rid}:run.json"))
        assert record["id"] == rid
        assert record["status"] in ("running", "succeeded", "failed")
        assert record["experiment"] == "slow" or record["status"] != "running"
        files = git(root, "ls-tree", "-r", "--name-only", f"refs/graft/runs/{rid}").split()
        assert "source/experiments/" + record["experiment"] + ".py" in files


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    return make_toy_repo(tmp_path / "toy")


def test_kill_9_at_random_moments_leaves_a_sound_repository(toy: Path) -> None:
    rng = random.Random()
    status = git(toy, "status", "--porcelain")
    # killed at random moments: during start-up, while writing the first record, while running
    for delay in (rng.uniform(0.0, 0.4), rng.uniform(0.2, 0.7)):
        proc = start_run(toy, "slow")
        time.sleep(delay)
        kill9(proc)
        assert_repository_is_sound(toy)
    # killed for sure after the run is recorded as running
    before = set(run_ids(toy))
    proc = start_run(toy, "slow")
    deadline = time.time() + 30
    while set(run_ids(toy)) == before and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 0.2))
    kill9(proc)
    assert_repository_is_sound(toy)
    (killed,) = set(run_ids(toy)) - before
    runs = {r["id"]: r for r in json.loads(ok(graft(toy, "runs", "--json")))}
    assert runs[killed]["status"] == "interrupted"
    assert runs[killed]["pid"] == proc.pid
    assert all(r["status"] == "interrupted" for r in runs.values())
    table = ok(graft(toy, "runs", "slow"))
    assert "interrupted" in table and "running" not in table
    rows = {r["name"]: r for r in json.loads(ok(graft(toy, "ls", "--json")))}
    assert rows["slow"]["last_run"] == "interrupted"
    # the working tree never saw any of it
    assert git(toy, "status", "--porcelain") == status


def test_resume_an_interrupted_run_updates_the_same_record(toy: Path) -> None:
    proc = start_run(toy, "slow", "steps=60")
    deadline = time.time() + 30
    while not run_ids(toy) and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    kill9(proc)
    (rid,) = run_ids(toy)
    first = git(toy, "rev-parse", f"refs/graft/runs/{rid}").strip()
    out = ok(graft(toy, "run", "--resume", rid[:20], "--json"))
    data = json.loads(out)
    assert data["id"] == rid
    assert data["status"] == "succeeded"
    assert data["overrides"] == ["steps=60"]
    assert data["metrics"]["loss"] == pytest.approx(0.1 / 60)
    assert run_ids(toy) == [rid]
    history = git(toy, "rev-list", f"refs/graft/runs/{rid}").split()
    assert first in history
    # a finished run cannot be resumed
    proc2 = graft(toy, "run", "--resume", rid)
    assert proc2.returncode == 1 and "already succeeded" in proc2.stderr
    assert "Traceback" not in proc2.stderr


def test_concurrent_runs_lose_nothing(toy: Path) -> None:
    procs = [start_run(toy, "baseline", f"steps={n}") for n in (1, 2, 3, 4)]
    for p in procs:
        p.communicate(timeout=60)
        assert p.returncode == 0
    runs = json.loads(ok(graft(toy, "runs", "--json")))
    assert len(runs) == 4 and len({r["id"] for r in runs}) == 4
    assert sorted(r["overrides"][0] for r in runs) == ["steps=1", "steps=2", "steps=3", "steps=4"]
    assert all(r["status"] == "succeeded" for r in runs)
    for r in runs:
        steps = int(r["overrides"][0].split("=")[1])
        assert r["metrics"]["loss"] == pytest.approx(0.1 / steps)
    assert_repository_is_sound(toy)


def test_runs_travel_with_push_and_pull(tmp_path: Path) -> None:
    a = make_toy_repo(tmp_path / "a")
    bare = add_origin(a, tmp_path / "origin.git")
    b = clone(bare, tmp_path / "b")
    c = clone(bare, tmp_path / "c")

    data = json.loads(ok(graft(a, "run", "wide", "--json")))
    assert "pushed" in ok(graft(a, "push", "origin"))
    assert git(bare, "for-each-ref", "--format=%(refname)", "refs/graft/runs/").split() == [
        f"refs/graft/runs/{data['id']}"
    ]

    assert json.loads(ok(graft(b, "runs", "--json"))) == []
    assert "pulled" in ok(graft(b, "pull", "origin"))
    (run,) = json.loads(ok(graft(b, "runs", "--json")))
    assert run["id"] == data["id"] and run["experiment"] == "wide"
    assert run["status"] == "succeeded"
    assert run["metrics"] == data["metrics"] and run["metrics"]["width"] == 24.0
    shown = ok(graft(b, "show", data["id"]))
    assert "Layer(width=16)" in shown
    # the source commit travelled with the record
    assert git(b, "rev-parse", f"refs/graft/runs/{data['id']}~2").strip() == run["commit"]
    assert_repository_is_sound(b)

    # plain git works too
    git(c, "fetch", "-q", "origin", "refs/graft/runs/*:refs/graft/runs/*")
    (run_c,) = json.loads(ok(graft(c, "runs", "--json")))
    assert run_c["id"] == data["id"] and run_c["metrics"] == data["metrics"]

    # a second run in b goes back to a
    ok(graft(b, "run", "baseline"))
    ok(graft(b, "push"))  # origin is the default
    ok(graft(a, "pull"))
    assert {r["experiment"] for r in json.loads(ok(graft(a, "runs", "--json")))} == {
        "wide",
        "baseline",
    }


def test_push_to_an_unknown_remote_is_one_line(toy: Path) -> None:
    proc = graft(toy, "push", "nowhere")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: graft push nowhere:")

"""The team check: kill -9 at five moments, 8 concurrent runs while commits and
``git gc --auto`` happen, and push/pull between two clones with runs in flight. Afterwards
``git fsck --strict`` is clean, every record is complete, and no record went backwards."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from _support.git_repo import add_origin, clone, start_graft
from _support.git_repo import run_ids as ids
from graft_toy_repo import git, graft, make_toy_repo

FAST_LEASE = "\n[run]\nheartbeat_seconds = 0.1\nlease_seconds = 5\n"


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def team_repo(root: Path) -> Path:
    make_toy_repo(root)
    (root / "graft.toml").write_text((root / "graft.toml").read_text() + FAST_LEASE)
    git(root, "commit", "-qam", "fast heartbeats")
    return root


def start(root: Path, *args: str) -> subprocess.Popen[str]:
    return start_graft(root, "run", *args)


def record(root: Path, rid: str) -> dict[str, object]:
    return json.loads(git(root, "show", f"refs/graft/runs/{rid}:run.json"))


def sound(root: Path) -> None:
    fsck = subprocess.run(
        ["git", "fsck", "--strict", "--full"], cwd=root, capture_output=True, text=True, check=False
    )
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    for rid in ids(root):
        rec = record(root, rid)
        assert rec["id"] == rid and rec["status"] in ("running", "succeeded", "failed")
        files = git(root, "ls-tree", "-r", "--name-only", f"refs/graft/runs/{rid}").split()
        assert {"run.json", "experiment.json", "experiment.py"} <= set(files), files
        assert any(f.startswith("source/experiments/") for f in files)
        assert git(root, "reflog", "show", f"refs/graft/runs/{rid}")  # every ref has a reflog


def wait_for_new_run(root: Path, before: set[str], timeout: float = 30) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        new = set(ids(root)) - before
        if new:
            return new.pop()
        time.sleep(0.01)
    raise AssertionError("no run was recorded")


def test_kill_9_at_five_moments(tmp_path: Path) -> None:
    root = team_repo(tmp_path / "toy")
    killed = []
    # 1. while starting up (nothing recorded yet), 2. as soon as the running record exists,
    # 3. after some heartbeats, 4. later in the run, 5. close to the end
    for moment in range(5):
        before = set(ids(root))
        proc = start(root, "slow", "steps=120")  # about 1.2 s of work
        if moment == 0:
            time.sleep(0.05)
        else:
            wait_for_new_run(root, before)
            time.sleep((0.0, 0.0, 0.35, 0.7, 1.1)[moment])
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        sound(root)
        killed += list(set(ids(root)) - before)
    runs = {r["id"]: r for r in json.loads(ok(graft(root, "runs", "--json")))}
    assert len(runs) >= 3
    for rid in killed:
        assert runs[rid]["status"] in ("interrupted", "succeeded")
    # an interrupted one resumes and finishes; the repository stays sound
    rid = next(r for r in killed if runs[r]["status"] == "interrupted")
    out = json.loads(ok(graft(root, "run", "--resume", rid, "--json")))
    assert out["status"] == "succeeded"
    steps = [
        json.loads(line)["step"]
        for line in git(root, "show", f"refs/graft/runs/{rid}:metrics.jsonl").splitlines()
    ]
    assert steps == sorted(set(steps))  # no step twice
    sound(root)


def test_eight_concurrent_runs_with_commits_and_gc(tmp_path: Path) -> None:
    root = team_repo(tmp_path / "toy")
    git(root, "config", "gc.auto", "1")
    git(root, "config", "gc.autoPackLimit", "1")
    procs = [start(root, "baseline", f"steps={20 + n}", "sleep=0.01") for n in range(8)]
    for i in range(4):  # the team keeps working meanwhile
        (root / "notes.txt").write_text(f"note {i}\n")
        git(root, "add", "notes.txt")
        git(root, "commit", "-qm", f"note {i}")
        git(root, "gc", "--auto", "--quiet")
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    git(root, "gc", "--quiet")
    runs = json.loads(ok(graft(root, "runs", "--json")))
    assert len(runs) == 8 and all(r["status"] == "succeeded" for r in runs)
    assert sorted(r["overrides"][0] for r in runs) == sorted(f"steps={20 + n}" for n in range(8))
    sound(root)


def test_push_and_pull_between_two_clones_with_runs_in_flight(tmp_path: Path) -> None:
    a = team_repo(tmp_path / "a")
    bare = add_origin(a, tmp_path / "origin.git")
    b = clone(bare, tmp_path / "b")

    run_a = start(a, "slow", "steps=1500")  # in flight in clone a (15 s or more)
    rid = wait_for_new_run(a, set())
    time.sleep(0.3)  # some heartbeats
    ok(graft(a, "push"))
    ok(graft(b, "pull"))
    assert record(b, rid)["status"] == "running"
    assert json.loads(ok(graft(b, "runs", "--json")))[0]["status"] == "running"  # lease is live
    ok(graft(a, "pull"))  # pulling its own older record back does not rewind a's
    run_b = start(b, "baseline", "steps=40", "sleep=0.01")  # b runs something meanwhile
    run_a.communicate(timeout=120)
    run_b.communicate(timeout=120)
    assert run_a.returncode == 0 and run_b.returncode == 0
    assert record(a, rid)["status"] == "succeeded"
    ok(graft(a, "pull"))
    assert record(a, rid)["status"] == "succeeded"
    ok(graft(a, "push"))
    ok(graft(b, "push"))
    ok(graft(b, "pull"))
    ok(graft(a, "pull"))
    for root in (a, b):
        runs = {r["id"]: r["status"] for r in json.loads(ok(graft(root, "runs", "--json")))}
        assert len(runs) == 2 and set(runs.values()) == {"succeeded"}
        sound(root)
    assert git(a, "rev-parse", f"refs/graft/runs/{rid}") == git(
        b, "rev-parse", f"refs/graft/runs/{rid}"
    )

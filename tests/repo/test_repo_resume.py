"""Resuming runs: the recorded experiment or an explicit --accept-changes, metrics that
continue without repeated steps, and a lease that lets a run on another host be taken over."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from graft_toy_repo import git

import graftlab as gl
from graftlab.repo import records

FLAKY = '''\
"""A trainer that fails where the environment says (outside the experiment)."""

import os

import graftlab as gl


@gl.symbolize
class Flaky:
    def __init__(self, steps: int = 5, checkpoint_every: int = 0, lr: float = 0.003) -> None:
        self.steps = steps
        self.checkpoint_every = checkpoint_every
        self.lr = lr

    def run(self, context):
        start = 0
        marker = context.checkpoint_dir / "step"
        if self.checkpoint_every and context.resume and marker.is_file():
            start = int(marker.read_text())
        for step in range(start, self.steps):
            done = step + 1
            context.metrics(done, train_loss=self.lr / done)
            if self.checkpoint_every and done % self.checkpoint_every == 0:
                marker.write_text(str(done))
            if os.environ.get("FLAKY_FAIL_AT") == str(done):
                raise RuntimeError(f"failed after step {done}")
        return {"eval_accuracy": 0.5}
'''


@pytest.fixture
def flaky(toy_path: Path) -> gl.Repo:
    (toy_path / "flaky.py").write_text(FLAKY)
    toml = toy_path / "graft.toml"
    toml.write_text(toml.read_text().replace('["toy", "patches"]', '["toy", "patches", "flaky"]'))
    write_exp(toy_path, "steps=5")
    git(toy_path, "add", "-A")
    git(toy_path, "commit", "-q", "-m", "flaky")
    return gl.Repo(toy_path)


def write_exp(root: Path, args: str) -> None:
    (root / "experiments" / "flaky.py").write_text(
        f"from flaky import Flaky\n\nexperiment = Flaky({args})\n"
    )


def steps(repo: gl.Repo, rid: str) -> list[int]:
    raw = git(repo.root, "show", f"refs/graft/runs/{rid}:metrics.jsonl")
    return [json.loads(line)["step"] for line in raw.splitlines()]


def fail_then_resume(repo: gl.Repo, monkeypatch: pytest.MonkeyPatch, fail_at: int) -> gl.RunRecord:
    monkeypatch.setenv("FLAKY_FAIL_AT", str(fail_at))
    first = repo.run("flaky", show_progress=False)
    assert first.status == "failed"
    monkeypatch.delenv("FLAKY_FAIL_AT")
    return repo.run("flaky", resume=first.id, show_progress=False)


def test_a_restart_without_checkpoints_rewrites_the_metrics(
    flaky: gl.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    rec = fail_then_resume(flaky, monkeypatch, 5)
    assert rec.status == "succeeded"
    assert steps(flaky, rec.id) == [1, 2, 3, 4, 5]  # not 1..5, 1..5


def test_resuming_from_a_checkpoint_drops_the_repeated_steps(
    flaky: gl.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_exp(flaky.root, "steps=6, checkpoint_every=2")
    git(flaky.root, "commit", "-qam", "checkpoints")
    rec = fail_then_resume(flaky, monkeypatch, 3)  # checkpoint at 2, metrics up to 3
    assert steps(flaky, rec.id) == [1, 2, 3, 4, 5, 6]  # not 1, 2, 3, 3, 4, 5, 6


def test_resuming_at_the_very_end_keeps_the_final_metrics(
    flaky: gl.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_exp(flaky.root, "steps=4, checkpoint_every=1")
    git(flaky.root, "commit", "-qam", "checkpoints")
    rec = fail_then_resume(flaky, monkeypatch, 4)  # failed after its last checkpoint
    assert rec.status == "succeeded"
    assert rec.metrics == {"train_loss": pytest.approx(0.003 / 4), "eval_accuracy": 0.5}
    assert steps(flaky, rec.id) == [1, 2, 3, 4]


def test_resume_refuses_a_changed_experiment_unless_told(
    flaky: gl.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLAKY_FAIL_AT", "2")
    first = flaky.run("flaky", show_progress=False)
    monkeypatch.delenv("FLAKY_FAIL_AT")
    started_at = first.commit
    write_exp(flaky.root, "steps=5, lr=0.05")
    git(flaky.root, "commit", "-qam", "lr 0.05")
    refs_before = git(flaky.root, "for-each-ref", "refs/graft/")
    with pytest.raises(gl.GraftError) as info:
        flaky.run("flaky", resume=first.id, show_progress=False)
    assert "lr: 0.003 -> 0.05" in str(info.value) and "--accept-changes" in str(info.value)
    assert git(flaky.root, "for-each-ref", "refs/graft/") == refs_before  # nothing written
    rec = flaky.run("flaky", resume=first.id, accept_changes=True, show_progress=False)
    assert rec.status == "succeeded"
    assert rec.commit == started_at  # where the run started, not where it was resumed
    (note,) = rec.resumes
    assert note["accepted_changes"] == ["lr: 0.003 -> 0.05"]
    assert note["commit"] == git(flaky.root, "rev-parse", "HEAD").strip()
    stored = json.loads(git(flaky.root, "show", f"refs/graft/runs/{rec.id}:run.json"))
    assert stored["resumes"][0]["accepted_changes"] == ["lr: 0.003 -> 0.05"]


def test_resume_of_an_unchanged_experiment_after_an_unrelated_commit(
    flaky: gl.Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLAKY_FAIL_AT", "2")
    first = flaky.run("flaky", show_progress=False)
    monkeypatch.delenv("FLAKY_FAIL_AT")
    (flaky.root / "NOTES.md").write_text("unrelated\n")
    git(flaky.root, "add", "-A")
    git(flaky.root, "commit", "-qm", "notes")
    rec = flaky.run("flaky", resume=first.id, show_progress=False)
    assert rec.status == "succeeded" and "accepted_changes" not in rec.resumes[0]


def test_a_run_renews_its_lease_while_it_runs(toy_path: Path) -> None:
    toml = toy_path / "graft.toml"
    toml.write_text(toml.read_text() + "\n[run]\nheartbeat_seconds = 0.05\nlease_seconds = 2\n")
    repo = gl.Repo(toy_path)
    rec = repo.run("baseline", ["steps=40", "sleep=0.01"], show_progress=False)
    history = git(toy_path, "rev-list", f"refs/graft/runs/{rec.id}", "--not", "HEAD").split()
    beats = [json.loads(git(toy_path, "show", f"{c}:run.json"))["heartbeat"] for c in history[1:-1]]
    assert len(beats) >= 2 and beats == sorted(beats, reverse=True) and rec.lease == 2
    # heartbeats carry the metrics so far, for whoever pulls a run in flight
    assert git(toy_path, "show", f"{history[1]}:metrics.jsonl").count("\n") >= 1


def stale_elsewhere(repo: gl.Repo, toy_path: Path, heartbeat_age: float) -> str:
    rid = "20260101-000000-0e1e5e"
    now = time.time()
    rec = records.RunRecord(
        id=rid,
        experiment="baseline",
        file="experiments/baseline.py",
        started=now - 3600,
        heartbeat=now - heartbeat_age,
        lease=300,
        pid=1,
        host="gpu-node-17." + socket.gethostname(),
    )
    source = (toy_path / "experiments" / "baseline.py").read_bytes()
    records.write_record(repo.git, rec, {"source/experiments/baseline.py": source}, None)
    return rid


def test_a_run_killed_on_another_host_reads_interrupted_once_its_lease_ran_out(
    repo: gl.Repo, toy_path: Path
) -> None:
    rid = stale_elsewhere(repo, toy_path, heartbeat_age=301)
    assert repo.runs()[0].effective_status() == "interrupted"
    rec = repo.run("baseline", resume=rid, show_progress=False)
    assert rec.status == "succeeded" and rec.resumes[0]["host"] == socket.gethostname()


def test_a_live_lease_refuses_resume_unless_forced(repo: gl.Repo, toy_path: Path) -> None:
    rid = stale_elsewhere(repo, toy_path, heartbeat_age=10)
    assert repo.runs()[0].effective_status() == "running"
    with pytest.raises(gl.GraftError, match=r"is still running .*--force"):
        repo.run("baseline", resume=rid, show_progress=False)
    rec = repo.run("baseline", resume=rid, force=True, show_progress=False)
    assert rec.status == "succeeded" and rec.resumes[0]["forced"] is True

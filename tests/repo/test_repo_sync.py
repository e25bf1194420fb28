"""Run records shared through a real bare remote and two clones: the merge rule on pull
(a later state wins, nothing is rewound, conflicts are reported), reflogs, and a one-line
refusal for a stale push."""

from __future__ import annotations

import json
import time
from pathlib import Path

import git as gitpython
import pytest
from _support.git_repo import add_origin, clone
from graft_toy_repo import git, graft, make_toy_repo

from graftlab.repo import records
from graftlab.repo.records import RunRecord

RID = "20260101-000000-aaaaaa"


@pytest.fixture
def clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    a = make_toy_repo(tmp_path / "a")
    bare = add_origin(a, tmp_path / "origin.git")
    return a, clone(bare, tmp_path / "b"), bare


def write(root: Path, status: str, previous: str | None, **kw: object) -> str:
    """A record of run RID in ``root`` (on another host, with a fresh heartbeat)."""
    g = gitpython.Repo(root)
    now = time.time()
    rec = RunRecord(
        id=RID,
        experiment="baseline",
        file="experiments/baseline.py",
        status=status,
        started=now - 5,
        heartbeat=now,
        host="trainer-7.example",
        pid=4242,
        commit=g.head.commit.hexsha,
        **kw,  # type: ignore[arg-type]
    )
    if status != "running":
        rec.ended = now
    return records.write_record(g, rec, {"note.txt": f"{status} {kw}".encode()}, previous)


def ref(root: Path) -> str:
    return git(root, "rev-parse", f"refs/graft/runs/{RID}").strip()


def status(root: Path) -> str:
    return json.loads(git(root, "show", f"refs/graft/runs/{RID}:run.json"))["status"]


def ok(proc: object) -> str:
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"  # type: ignore[attr-defined]
    return proc.stdout  # type: ignore[attr-defined]


def test_pull_never_rewinds_a_run_that_finished_after_it_was_pushed(
    clones: tuple[Path, Path, Path],
) -> None:
    a, b, _bare = clones
    running = write(a, "running", None)
    ok(graft(a, "push"))
    finished = write(a, "succeeded", running, metrics={"loss": 0.1})
    ok(graft(a, "pull"))  # the remote still has the running record
    assert ref(a) == finished and status(a) == "succeeded"
    # the other clone sees it running, then finished, always moving forward
    ok(graft(b, "pull"))
    assert ref(b) == running
    ok(graft(a, "push"))
    out = ok(graft(b, "pull"))
    assert ref(b) == finished and "1 updated" in out
    # every state the ref had is in its reflog
    log = git(b, "reflog", "show", "--format=%H", f"refs/graft/runs/{RID}").split()
    assert log[:2] == [finished, running]


def test_diverged_records_merge_to_the_later_state_and_keep_both(
    clones: tuple[Path, Path, Path],
) -> None:
    a, b, _bare = clones
    running = write(a, "running", None)
    ok(graft(a, "push"))
    ok(graft(b, "pull"))
    heartbeat_b = write(b, "running", running, overrides=["heartbeat"])  # b renews it
    finished_a = write(a, "succeeded", running)  # a finished it
    ok(graft(a, "push"))
    out = ok(graft(b, "pull"))
    assert "1 merged" in out
    merged = ref(b)
    assert status(b) == "succeeded"
    parents = git(b, "rev-list", "--parents", "-n1", merged).split()[1:]
    assert parents == [finished_a, heartbeat_b]  # nothing was rewound or lost
    assert git(b, "show", f"{merged}:note.txt") == git(a, "show", f"{finished_a}:note.txt")
    # the merge is a fast-forward for the remote: b pushes it without force
    ok(graft(b, "push"))
    ok(graft(a, "pull"))
    assert ref(a) == merged


def test_same_state_on_both_sides_is_a_reported_conflict(clones: tuple[Path, Path, Path]) -> None:
    a, b, _bare = clones
    running = write(a, "running", None)
    ok(graft(a, "push"))
    ok(graft(b, "pull"))
    ours = write(b, "failed", running, error={"message": "b says no"})
    theirs = write(a, "succeeded", running)
    ok(graft(a, "push"))
    proc = graft(b, "pull")
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"conflict: run {RID} changed on both sides") and "kept ours" in line
    assert ref(b) == ours
    assert git(b, "rev-parse", f"refs/graft/incoming/origin/{RID}").strip() == theirs


def test_a_stale_push_is_refused_in_one_line(clones: tuple[Path, Path, Path]) -> None:
    a, b, bare = clones
    running = write(a, "running", None)
    ok(graft(a, "push"))
    ok(graft(b, "pull"))
    write(a, "succeeded", running)
    ok(graft(a, "push"))
    write(b, "failed", running)
    proc = graft(b, "push")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: graft push origin: 1 run record(s) changed on origin since your last pull "
        f"({RID}); run `graft pull origin` first, then push again"
    ]
    assert "check out" not in proc.stderr and "hint" not in proc.stderr
    assert json.loads(git(bare, "show", f"refs/graft/runs/{RID}:run.json"))["status"] == (
        "succeeded"
    )


@pytest.mark.parametrize("command", ["pull", "push"])
def test_an_unreachable_remote_is_one_line_naming_the_command(
    clones: tuple[Path, Path, Path], command: str
) -> None:
    a, _b, _bare = clones
    write(a, "running", None)
    before = git(a, "for-each-ref", "refs/graft/")
    proc = graft(a, command, "nowhere")
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: graft {command} nowhere: ")
    assert git(a, "for-each-ref", "refs/graft/") == before  # nothing fetched or moved

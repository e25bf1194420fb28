"""Run records in git: ``refs/graft/runs/<id>``, written atomically, read in one call."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from graft_toy_repo import git

import graftlab as gl
from graftlab.repo import gitio, records
from graftlab.repo.records import RunRecord


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def record(rid: str, experiment: str = "baseline", **kw: object) -> RunRecord:
    defaults: dict[str, object] = {
        "file": f"experiments/{experiment}.py",
        "started": 1000.0,
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }
    defaults.update(kw)
    return RunRecord(id=rid, experiment=experiment, **defaults)  # type: ignore[arg-type]


def head(path: Path) -> str:
    return git(path, "rev-parse", "HEAD").strip()


def test_record_json_round_trip_ignores_unknown_fields() -> None:
    rec = record("r1", status="succeeded", ended=1012.5, metrics={"loss": 0.5})
    data = rec.to_json()
    assert data["duration"] == 12.5
    assert data["metrics"] == {"loss": 0.5}
    back = RunRecord.from_json({**data, "added_in_a_later_version": 1})
    assert back == rec
    assert back.ref == "refs/graft/runs/r1"


def test_effective_status() -> None:
    assert record("a", status="succeeded", pid=dead_pid()).effective_status() == "succeeded"
    assert record("b", status="failed").effective_status() == "failed"
    assert record("c").effective_status() == "running"  # this process is alive
    assert record("d", pid=dead_pid()).effective_status() == "interrupted"
    # a run on another machine is alive while it renews its lease (heartbeat) ...
    now = 10_000.0
    elsewhere = record("e", host="elsewhere.example", started=now - 900, heartbeat=now - 10)
    assert elsewhere.effective_status(now) == "running"
    # ... and interrupted once the lease ran out, though it still says "running"
    assert elsewhere.effective_status(now + records.LEASE_SECONDS) == "interrupted"
    short = record("f", host="elsewhere.example", started=now - 900, heartbeat=now - 10, lease=5)
    assert short.effective_status(now) == "interrupted"


def test_subject_carries_experiment_and_status() -> None:
    rec = record("20260101-000000-abcdef", "vision/res net", status="failed")
    subj = records.subject(rec)
    assert records.parse_subject(subj) == ("vision/res net", "failed")
    assert records.parse_subject("some other commit") is None


def test_write_and_read_records(repo: gl.Repo, toy_path: Path) -> None:
    g = repo.git
    sha = head(toy_path)
    files = {"experiment.py": b"x = 1\n", "nested/dir/data.txt": b"data\n\n"}
    c1 = records.write_record(g, record("20260101-000000-aaaaaa", commit=sha), files, None)
    records.write_record(
        g, record("20260102-000000-bbbbbb", "wide", commit=sha, status="failed"), {}, None
    )
    # newest (highest id) first
    assert [r[0] for r in records.list_refs(g)] == [
        "20260102-000000-bbbbbb",
        "20260101-000000-aaaaaa",
    ]
    assert [r.id for r in records.read_records(g)] == [
        "20260102-000000-bbbbbb",
        "20260101-000000-aaaaaa",
    ]
    assert records.read_records(g, ["20260101-000000-aaaaaa"])[0].experiment == "baseline"
    # the record's first parent is the source commit
    assert git(toy_path, "rev-parse", f"{c1}^1").strip() == sha
    # files come back byte for byte (trailing newlines included)
    assert records.read_file(g, c1, "nested/dir/data.txt") == b"data\n\n"
    assert records.read_file(g, c1, "experiment.py") == b"x = 1\n"
    assert records.read_file(g, c1, "absent.txt") is None
    run_json = json.loads(records.read_file(g, c1, "run.json") or b"")
    assert run_json["id"] == "20260101-000000-aaaaaa"
    assert run_json["commit"] == sha
    # unique prefixes resolve; ambiguous and unknown ones are errors
    assert records.resolve_run(g, "20260102")[0] == "20260102-000000-bbbbbb"
    with pytest.raises(gl.GraftError, match="ambiguous"):
        records.resolve_run(g, "2026010")
    with pytest.raises(gl.GraftError, match="no run with id 'zzz'"):
        records.resolve_run(g, "zzz")


def test_runs_filter_and_last_status(repo: gl.Repo) -> None:
    g = repo.git
    records.write_record(g, record("20260101-000000-000001", status="failed"), {}, None)
    records.write_record(g, record("20260101-000000-000002", status="succeeded"), {}, None)
    records.write_record(g, record("20260101-000000-000003", "wide", pid=dead_pid()), {}, None)
    assert [r.id for r in repo.runs("baseline")] == [
        "20260101-000000-000002",
        "20260101-000000-000001",
    ]
    assert [r.id for r in repo.runs("wide")] == ["20260101-000000-000003"]
    assert repo.runs("fast") == []
    assert len(repo.runs()) == 3
    # latest run per experiment; a dead "running" run reads as interrupted
    assert repo.last_status() == {"baseline": "succeeded", "wide": "interrupted"}


def test_replacing_a_record_is_compare_and_swap(repo: gl.Repo) -> None:
    g = repo.git
    rec = record("20260101-000000-cccccc")
    first = records.write_record(g, rec, {}, None)
    rec.status = "succeeded"
    second = records.write_record(g, rec, {}, first)
    assert git(Path(repo.root), "rev-parse", f"{second}^1").strip() == first
    # a writer that lost the race (stale previous) does not move the ref, and says so
    rec.status = "failed"
    with pytest.raises(gitio.GitWriteError, match="another process updated") as info:
        records.write_record(g, rec, {}, first)
    assert info.value.reason == "conflict" and "\n" not in str(info.value)
    # and creating a record whose ref exists fails too
    with pytest.raises(gitio.GitWriteError, match="another process updated"):
        records.write_record(g, rec, {}, None)
    assert records.read_records(g)[0].status == "succeeded"
    assert records.list_refs(g)[0][1] == second


def test_writing_records_leaves_working_tree_and_index_alone(repo: gl.Repo, toy_path: Path) -> None:
    (toy_path / "experiments" / "baseline.py").write_text("# edited\n")
    (toy_path / "scratch.txt").write_text("untracked\n")
    git(toy_path, "add", "toy.py")  # something staged too
    index = (toy_path / ".git" / "index").read_bytes()
    status = git(toy_path, "--no-optional-locks", "status", "--porcelain")
    records.write_record(repo.git, record("20260101-000000-dddddd"), {"a.txt": b"a"}, None)
    assert git(toy_path, "--no-optional-locks", "status", "--porcelain") == status
    assert (toy_path / ".git" / "index").read_bytes() == index
    assert not (toy_path / "a.txt").exists()


def test_identity_falls_back_without_any_git_configuration(
    repo: gl.Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith("GIT_") or key in ("EMAIL",):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    env = gitio.identity_env(repo.git)
    assert (env["GIT_AUTHOR_NAME"], env["GIT_AUTHOR_EMAIL"]) == gitio.DEFAULT_IDENTITY
    assert (env["GIT_COMMITTER_NAME"], env["GIT_COMMITTER_EMAIL"]) == gitio.DEFAULT_IDENTITY
    commit = records.write_record(repo.git, record("20260101-000000-eeeeee"), {}, None)
    author = git(repo.root, "log", "-1", "--format=%an <%ae>", commit).strip()
    assert author == "graft <graft@localhost>"


def test_identity_uses_the_configured_user(
    repo: gl.Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in list(os.environ):
        if key.startswith("GIT_AUTHOR") or key.startswith("GIT_COMMITTER"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    with repo.git.config_writer() as cw:
        cw.set_value("user", "name", "Ada")
        cw.set_value("user", "email", "ada@example.com")
    env = gitio.identity_env(repo.git)
    assert (env["GIT_AUTHOR_NAME"], env["GIT_COMMITTER_EMAIL"]) == ("Ada", "ada@example.com")


def test_write_tree_nests_directories(repo: gl.Repo) -> None:
    tree = gitio.write_tree(repo.git, {"a/b/c.txt": b"c", "a/d.txt": b"d", "e": b""})
    listing = git(repo.root, "ls-tree", "-r", "--name-only", tree).split()
    assert listing == ["a/b/c.txt", "a/d.txt", "e"]
    assert gitio.read_blob(repo.git, f"{tree}:a/b/c.txt") == b"c"
    assert gitio.read_blob(repo.git, f"{tree}:e") == b""

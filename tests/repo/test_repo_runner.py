"""Running experiments in process: what a run record holds, errors, overrides, resume."""

from __future__ import annotations

import json
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from graft_toy_repo import git

import graftlab as gl
from graftlab.io.errors import FormatError
from graftlab.repo import records
from graftlab.repo.context import RunContext
from graftlab.repo.environment import capture
from graftlab.repo.runner import new_run_id, register_runner, run_value


def tree_files(root: Path, rid: str) -> list[str]:
    return git(root, "ls-tree", "-r", "--name-only", f"refs/graft/runs/{rid}").split()


def blob(root: Path, rid: str, path: str) -> str:
    return git(root, "show", f"refs/graft/runs/{rid}:{path}")


def position(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text``."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def test_a_successful_run_is_recorded(repo: gl.Repo, toy_path: Path) -> None:
    head = git(toy_path, "rev-parse", "HEAD").strip()
    rec = repo.run("baseline")
    assert rec.status == "succeeded"
    assert rec.metrics == {"loss": pytest.approx(0.1 / 3), "width": 12.0}
    assert rec.commit == head and rec.dirty is False
    assert rec.experiment == "baseline" and rec.file == "experiments/baseline.py"
    assert rec.pid == os.getpid() and rec.ended is not None and rec.ended >= rec.started
    assert rec.env["python"] == platform.python_version()
    assert "graftlab" in rec.env["packages"]
    assert re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{8}", rec.id)
    assert set(tree_files(toy_path, rec.id)) == {
        "experiment.json",
        "experiment.py",
        "log.txt",
        "metrics.jsonl",
        "run.json",
        "source/experiments/baseline.py",
    }
    # the record's first parent is the source commit; the run started as "running"
    assert git(toy_path, "rev-parse", f"{rec.ref}^1^1").strip() == head
    assert "[running]" in git(toy_path, "log", "-1", "--format=%s", f"{rec.ref}^1")
    assert "[succeeded]" in git(toy_path, "log", "-1", "--format=%s", rec.ref)
    run_json = json.loads(blob(toy_path, rec.id, "run.json"))
    assert run_json["status"] == "succeeded" and run_json["metrics"]["width"] == 12.0
    steps = [json.loads(line) for line in blob(toy_path, rec.id, "metrics.jsonl").splitlines()]
    assert [s["step"] for s in steps] == [0, 1, 2]
    assert steps[0]["loss"] == pytest.approx(0.1)
    assert rec.id in blob(toy_path, rec.id, "log.txt")
    assert (
        blob(toy_path, rec.id, "source/experiments/baseline.py")
        == (toy_path / "experiments" / "baseline.py").read_text()
    )
    # the materialized experiment, as text and as JSON, is the experiment that ran
    assert gl.from_json(json.loads(blob(toy_path, rec.id, "experiment.json"))) == repo.load(
        "baseline"
    )
    assert blob(toy_path, rec.id, "experiment.py") == gl.dumps(
        repo.load("baseline"), docstring="The baseline."
    )
    assert repo.runs("baseline")[0] == rec


def test_a_derived_run_records_the_materialized_experiment(repo: gl.Repo, toy_path: Path) -> None:
    rec = repo.run("wide_lr")
    assert rec.metrics["width"] == 24.0
    assert rec.metrics["loss"] == pytest.approx(0.5 / 3)
    text = blob(toy_path, rec.id, "experiment.py")
    assert "Layer(width=16)" in text and "learning_rate=0.5" in text
    assert "Derived" not in text
    assert "Derived" in blob(toy_path, rec.id, "source/experiments/wide_lr.py")


def test_a_failed_run_records_the_error_with_key_path_and_position(
    repo: gl.Repo, toy_path: Path
) -> None:
    rec = repo.run("broken")
    assert rec.status == "failed"
    err = rec.error or {}
    assert err["type"] == "ComponentError"
    assert err["message"] == "layer exploded"
    assert err["path"] == "layers[1]"
    assert err["file"] == "experiments/broken.py"
    text = (toy_path / "experiments" / "broken.py").read_text()
    assert (err["line"], err["column"]) == position(text, "Layer(width=2")
    assert "ValueError: layer exploded" in err["traceback"]
    assert "traceback.txt" in tree_files(toy_path, rec.id)
    stored = json.loads(blob(toy_path, rec.id, "run.json"))
    assert stored["status"] == "failed" and stored["error"]["line"] == err["line"]


def test_an_error_in_a_value_a_patch_wrote_points_at_the_patch(
    repo: gl.Repo, toy_path: Path
) -> None:
    rec = repo.run("exploding")
    err = rec.error or {}
    assert rec.status == "failed"
    assert err["path"] == "layers[1]"
    assert err["uri"] == "toy/explode?index=1"
    assert err["file"] == "experiments/exploding.py"
    text = (toy_path / "experiments" / "exploding.py").read_text()
    assert (err["line"], err["column"]) == position(text, '"toy/explode?index=1"')


def test_an_error_at_load_time_says_where_and_records_nothing(
    repo: gl.Repo, toy_path: Path
) -> None:
    (toy_path / "experiments" / "bad.py").write_text(
        'from toy import Layer\n\nexperiment = Layer(width="x")\n'
    )
    with pytest.raises(FormatError) as info:
        repo.run("bad")
    assert (Path(info.value.file).name, info.value.line, info.value.column + 1) == ("bad.py", 3, 26)
    assert records.list_refs(repo.git) == []


def test_overrides_are_applied_and_recorded(repo: gl.Repo, toy_path: Path) -> None:
    rec = repo.run("baseline", ["optimizer.learning_rate=0.3", "steps=2"])
    assert rec.status == "succeeded"
    assert rec.overrides == ["optimizer.learning_rate=0.3", "steps=2"]
    assert rec.metrics["loss"] == pytest.approx(0.15)
    assert len(blob(toy_path, rec.id, "metrics.jsonl").splitlines()) == 2
    ran = gl.from_json(json.loads(blob(toy_path, rec.id, "experiment.json")))
    assert ran.optimizer.learning_rate == 0.3 and ran.steps == 2
    # the file itself is unchanged
    assert repo.load("baseline").steps == 3


def test_override_values_may_use_the_files_imports(repo: gl.Repo) -> None:
    rec = repo.run("baseline", ["layers=[Layer(width=1), Layer(width=2)]"])
    assert rec.metrics["width"] == 3.0


def test_a_malformed_override_records_nothing(repo: gl.Repo) -> None:
    with pytest.raises(gl.GraftError, match=r"expected KEY\.PATH=VALUE"):
        repo.run("baseline", ["steps"])
    with pytest.raises(gl.GraftError, match=r"expected KEY\.PATH=VALUE"):
        repo.run("baseline", ["=3"])
    assert records.list_refs(repo.git) == []


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ('steps="many"', "steps"),  # a wrong type
        ("optimizer.momentum=0.9", "momentum"),  # names nothing
        ("layers[0].width=__import__('os')", "__import__"),  # not a value
        ("steps=(1", "steps=(1"),  # a syntax error
    ],
)
def test_a_bad_override_points_at_the_override_and_records_nothing(
    repo: gl.Repo, override: str, says: str
) -> None:
    before = repo.run("baseline")
    with pytest.raises(gl.GraftError) as info:
        repo.run("baseline", [override])
    message = str(info.value)
    assert message.startswith(f"override {override!r}: ") and says in message
    assert "experiments/baseline.py" not in message
    assert [r[0] for r in records.list_refs(repo.git)] == [before.id]
    assert repo.last_status() == {"baseline": "succeeded"}


def test_an_unknown_rule_or_a_cycle_records_nothing(repo: gl.Repo, toy_path: Path) -> None:
    exp = toy_path / "experiments"
    (exp / "norule.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="baseline", patches=["toy/nope"])\n'
    )
    (exp / "loop_a.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="loop_b", patches=["toy/lr?0.2"])\n'
    )
    (exp / "loop_b.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="loop_a", patches=["toy/lr?0.2"])\n'
    )
    for name in ("norule", "loop_a"):
        with pytest.raises(gl.GraftError):
            repo.run(name)
    assert records.list_refs(repo.git) == []


def test_unknown_experiment_records_nothing(repo: gl.Repo) -> None:
    with pytest.raises(gl.RepoError, match="did you mean 'baseline'"):
        repo.run("baselin")
    assert records.list_refs(repo.git) == []


def test_a_dirty_tree_is_recorded_with_its_diff(repo: gl.Repo, toy_path: Path) -> None:
    path = toy_path / "experiments" / "baseline.py"
    path.write_text(path.read_text().replace("steps=3", "steps=4"))
    (toy_path / "notes.txt").write_text("untracked\n")
    index = (toy_path / ".git" / "index").read_bytes()
    status = git(toy_path, "--no-optional-locks", "status", "--porcelain")
    rec = repo.run("baseline")
    assert rec.dirty is True
    assert rec.metrics["loss"] == pytest.approx(0.1 / 4)  # the working tree is what runs
    diff = blob(toy_path, rec.id, "dirty.diff")
    assert "-    steps=3," in diff and "+    steps=4," in diff
    assert "# untracked: notes.txt" in diff
    # recording never touches the working tree or the index
    assert git(toy_path, "--no-optional-locks", "status", "--porcelain") == status
    assert (toy_path / ".git" / "index").read_bytes() == index


def test_resume_refuses_a_finished_run(repo: gl.Repo) -> None:
    rec = repo.run("baseline")
    with pytest.raises(gl.GraftError, match="already succeeded"):
        repo.run("baseline", resume=rec.id)
    assert len(records.list_refs(repo.git)) == 1


def test_resume_of_an_interrupted_run_updates_the_same_record(
    repo: gl.Repo, toy_path: Path
) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    rid = "20260101-000000-abcdef"
    stale = records.RunRecord(
        id=rid,
        experiment="baseline",
        file="experiments/baseline.py",
        started=time.time() - 5,
        overrides=["steps=2"],
        pid=proc.pid,
        host=socket.gethostname(),
    )
    source = (toy_path / "experiments" / "baseline.py").read_bytes()
    first = records.write_record(repo.git, stale, {"source/experiments/baseline.py": source}, None)
    assert repo.runs()[0].effective_status() == "interrupted"
    rec = repo.run("baseline", resume=rid[:12])
    assert rec.id == rid
    assert rec.status == "succeeded"
    assert rec.overrides == ["steps=2"]  # the interrupted run's overrides carry over
    assert rec.started == stale.started
    assert rec.metrics["loss"] == pytest.approx(0.05)
    assert [r[0] for r in records.list_refs(repo.git)] == [rid]
    history = git(toy_path, "rev-list", f"refs/graft/runs/{rid}").split()
    assert first in history


def test_register_runner_and_run_value(tmp_path: Path) -> None:
    class Custom:
        pass

    seen: list[object] = []
    register_runner(Custom, lambda value, ctx: seen.append(value) or {"score": 7})
    ctx = RunContext(run_id="t", workdir=tmp_path)
    obj = Custom()
    assert run_value(obj, ctx) == {"score": 7}
    assert seen == [obj]

    @gl.symbolize
    def add(a: int, b: int = 2) -> int:
        return a + b

    assert run_value(add.partial(a=3) if hasattr(add, "partial") else add(3), ctx) == 5

    class NoArgs:
        def run(self) -> dict[str, float]:
            return {"x": 1.0}

    assert run_value(NoArgs(), ctx) == {"x": 1.0}
    with pytest.raises(gl.GraftError, match="cannot be run"):
        run_value(3.5, ctx)


def test_run_context_streams_metrics_and_logs(tmp_path: Path) -> None:
    ctx = RunContext(run_id="t", workdir=tmp_path)
    ctx.metrics(0, loss=1.0, accuracy=0.5)
    ctx.metrics(1, loss=0.5)
    ctx.log("hello")
    ctx.artifact(tmp_path / "plot.png")
    assert ctx.final_metrics() == {"loss": 0.5, "accuracy": 0.5}
    lines = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [x["step"] for x in lines] == [0, 1]
    assert "hello" in (tmp_path / "log.txt").read_text()
    assert ctx.artifacts == [tmp_path / "plot.png"]
    assert ctx.checkpoint_dir.is_dir() and ctx.checkpoint_dir.parent == tmp_path


def test_run_ids_sort_by_time_and_are_unique() -> None:
    ids = {new_run_id() for _ in range(200)}
    assert len(ids) == 200
    ordered = []
    for _ in range(5):  # also within one second
        ordered.append(new_run_id())
        time.sleep(0.003)
    assert ordered == sorted(ordered)


def test_environment_capture() -> None:
    env = capture()
    assert env["python"] == platform.python_version()
    assert env["implementation"] == platform.python_implementation()
    assert "graftlab" in env["packages"]
    json.dumps(env)  # JSON-able

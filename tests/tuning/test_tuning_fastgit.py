"""The in-process record writer stores exactly what ``records.write_record`` stores."""

from __future__ import annotations

import subprocess

import graftlab as gl
from graftlab.repo import records
from graftlab.tuning.fastgit import FastRecorder


def test_same_tree_as_the_git_plumbing_writer(toy_repo: gl.Repo) -> None:
    g = toy_repo.git
    files = {"source/experiments/space.py": b"x = 1\n", "a/b/c.txt": b"deep\n", "log.txt": b""}
    rec = records.RunRecord(
        id="20261201-000000-aaaaaaaa",
        experiment="space",
        file="f",
        status="running",
        started=1.0,
        decisions={"lr": 0.5},
        tune="t",
        trial=3,
    )
    slow = records.write_record(g, rec, files, None)
    rec2 = records.RunRecord(**{**rec.__dict__, "id": "20261201-000000-bbbbbbbb"})
    fast = FastRecorder(g).write(rec2, files, None)
    tree = lambda sha: g.git.rev_parse(f"{sha}^{{tree}}")  # noqa: E731
    assert tree(slow) != tree(fast)  # run.json differs by the id
    assert g.git.ls_tree("-r", slow, "--", "a", "source", "log.txt") == g.git.ls_tree(
        "-r", fast, "--", "a", "source", "log.txt"
    )
    rec2.status = "succeeded"
    rec2.metrics = {"loss": 0.25}
    final = FastRecorder(g).write(rec2, files, fast)
    got = records.read_records(g, [rec2.id])[0]
    assert got.status == "succeeded" and got.metrics == {"loss": 0.25} and got.trial == 3
    assert g.git.rev_parse(f"{final}^") == fast
    subprocess.run(["git", "fsck", "--no-progress", "--strict"], cwd=toy_repo.root, check=True)

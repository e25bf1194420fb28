"""The template's pull-request workflow as shipped: its steps run as a script against a real
bare remote and a pull-request-like branch, what it installs is what ``graft init`` pinned
(no ML extra), the comment fits GitHub's limit, and the YAML is a valid GitHub workflow."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from _support.git_repo import add_origin
from graft_toy_repo import IDENTITY, git, graft

from graftlab.repo.init import template_dir

WORKFLOW = ".github/workflows/graft-review.yml"


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture
def pull_request(tmp_path: Path) -> tuple[Path, Path]:
    """A repository made by ``graft init``, pushed to a bare remote; a branch that edits one
    experiment while main moves on; and a CI checkout of the branch (full history)."""
    ok(graft(tmp_path, "init", "lab"))
    lab = tmp_path / "lab"
    bare = add_origin(lab, tmp_path / "origin.git")
    git(lab, "checkout", "-q", "-b", "feature")
    wide = lab / "experiments" / "wide.py"
    wide.write_text(wide.read_text().replace("factor=2", "factor=3"))
    git(lab, "commit", "-qam", "wider")
    git(lab, "push", "-q", "origin", "feature")
    git(lab, "checkout", "-q", "main")
    fast = lab / "experiments" / "fast_lr.py"
    fast.write_text(fast.read_text() + "\n# main moves on\n")
    git(lab, "commit", "-qam", "main moves on")
    git(lab, "push", "-q", "origin", "main")
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(bare), str(ci))
    git(ci, "checkout", "-q", "feature")
    return lab, ci


def shim(tmp_path: Path) -> dict[str, str]:
    """``graft`` on the PATH, as ``pip install`` would put it there."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "graft"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m graftlab.cli "$@"\n')
    exe.chmod(0o755)
    return {**os.environ, **IDENTITY, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NO_COLOR": "1"}


def test_the_workflow_steps_review_the_branch_and_fill_the_job_summary(
    pull_request: tuple[Path, Path], tmp_path: Path
) -> None:
    _lab, ci = pull_request
    summary = tmp_path / "summary.md"
    env = {**shim(tmp_path), "GITHUB_STEP_SUMMARY": str(summary)}
    proc = subprocess.run(
        ["sh", ".github/graft-review.sh", "origin/main", "HEAD"],
        cwd=ci,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    comment = (ci / "graft-review" / "review.md").read_text()
    full = (ci / "graft-review" / "review-full.md").read_text()
    assert len(comment) < 65_536 and comment == full  # small: nothing left out
    assert comment.startswith("## graft review: `origin/main (merge base")
    assert "`wide`" in comment and "fast_lr" not in comment  # only the branch's change
    assert summary.read_text() == full
    assert git(ci, "status", "--porcelain") == ""  # the output folder is ignored


def test_a_long_review_is_shortened_summary_first(
    pull_request: tuple[Path, Path], tmp_path: Path
) -> None:
    _lab, ci = pull_request
    full = tmp_path / "full.md"
    short = tmp_path / "short.md"
    args = ["review", "origin/main...HEAD", "--format", "md", "--max-chars", "400"]
    ok(graft(ci, *args, "--output", str(short), "--full-output", str(full)))
    text = short.read_text()
    assert len(text) <= 400
    assert text.startswith("## graft review:") and "experiment" in text
    assert "Shortened to fit a comment" in text and "the graft-review artifact" in text
    assert "<details>" in full.read_text()


def test_what_the_workflow_installs_and_runs(pull_request: tuple[Path, Path]) -> None:
    lab, _ci = pull_request
    flow = yaml.safe_load((lab / WORKFLOW).read_text())
    (job,) = flow["jobs"].values()
    assert 0 < job["timeout-minutes"] <= 30
    runs = [s.get("run", "") for s in job["steps"]]
    assert "pip install -r requirements-graft.txt" in runs
    assert not any("[ml]" in r for r in runs)
    assert any(r.startswith("sh .github/graft-review.sh") for r in runs)
    comment = next(s for s in job["steps"] if s.get("name") == "Comment")
    # a fork's read-only token cannot comment: it gets the job summary and artifact only
    assert comment["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert "graft-review/review.md" in comment["with"]["script"]
    pinned = [
        line
        for line in (lab / "requirements-graft.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(pinned) == 1 and pinned[0].startswith("graftlab") and "[" not in pinned[0]
    assert "==" in pinned[0] or "@ git+" in pinned[0]


def test_the_workflow_is_a_valid_github_workflow() -> None:
    exe = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    proc = subprocess.run(
        [exe, "--builtin-schema", "vendor.github-workflows", str(template_dir() / WORKFLOW)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr

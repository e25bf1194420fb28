"""Snapshots of revisions: a revision's files are extracted to a temporary directory (with
``git archive``; the repository's working tree and index are never touched) and
snapshotted in a separate process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import git

from graftlab.symbolic.errors import GraftError

WORKTREE = "WORKTREE"


@contextmanager
def extracted(repo: git.Repo, rev: str) -> Iterator[Path]:
    """The files of ``rev`` in a temporary directory (removed afterwards)."""
    try:
        data = repo.git.archive("--format=tar", rev, stdout_as_string=False)
    except git.GitCommandError as e:
        raise GraftError(
            f"unknown revision {rev!r}: {e.stderr.strip() if e.stderr else e}"
        ) from None
    with tempfile.TemporaryDirectory(prefix="graft-rev-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def snapshot_dir(directory: Path, only: list[str] | None = None) -> dict[str, Any]:
    """Run ``graftlab.repo.snapshot`` on a directory in a fresh Python process."""
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "graftlab.repo.snapshot", str(directory), *(only or [])],
        cwd=directory,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise GraftError(
            f"cannot read the experiments of {directory}: {proc.stderr.strip().splitlines()[-1:]}"
        )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def snapshot_rev(
    repo: git.Repo, root: Path, rev: str, only: list[str] | None = None
) -> dict[str, Any]:
    """Snapshot of revision ``rev`` (``WORKTREE`` for the files on disk)."""
    if rev == WORKTREE:
        return snapshot_dir(root, only)
    top = Path(repo.working_tree_dir or root)
    sub = root.resolve().relative_to(top.resolve())
    with extracted(repo, rev) as tmp:
        return snapshot_dir(tmp / sub, only)


def changed_files(repo: git.Repo, base: str, head: str) -> list[str]:
    """Paths that differ between two revisions (``WORKTREE`` for the files on disk)."""
    args = [base] if head == WORKTREE else [base, head]
    try:
        out = repo.git.diff("--name-only", *args, "--")
    except git.GitCommandError as e:
        detail = (e.stderr or "").strip().splitlines()[0] if e.stderr else str(e)
        raise GraftError(
            f"cannot compare {' and '.join(args)}: {detail.removeprefix('fatal: ')}"
        ) from None
    files = [line for line in out.splitlines() if line]
    if head == WORKTREE:
        files += [u for u in repo.untracked_files if u not in files]
    return files

"""Snapshots of revisions: a revision's files are extracted to a temporary directory (with
``git checkout-index``; the repository's working tree and index are never touched) and
snapshotted in a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import git

from graftlab.symbolic.errors import GraftError

WORKTREE = "WORKTREE"


@contextmanager
def extracted(repo: git.Repo, rev: str, *, verify: bool = True) -> Iterator[Path]:
    """The files of ``rev`` in a temporary directory (removed afterwards).

    ``git checkout-index`` from a temporary index writes them (two git processes, no archive
    through Python); symbolic links come out as plain files holding the link's target, so
    nothing in the checkout points outside it. ``verify=False``: ``rev`` is known to name a
    commit.
    """
    if verify:
        verify_rev(repo, rev)
    with tempfile.TemporaryDirectory(prefix="graft-rev-") as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / ".graft-index")}
        top = repo.working_tree_dir or repo.git_dir
        files = Path(tmp) / "tree"
        for args in (
            ["read-tree", f"{rev}^{{tree}}"],
            ["-c", "core.symlinks=false", "checkout-index", "-a", f"--prefix={files}/"],
        ):
            proc = subprocess.run(
                ["git", "-C", str(top), *args], env=env, capture_output=True, text=True
            )
            if proc.returncode != 0:
                first = (proc.stderr.strip().splitlines() or ["git failed"])[0]
                raise GraftError(f"cannot read revision {rev!r}: {first.removeprefix('fatal: ')}")
        files.mkdir(exist_ok=True)  # a revision without files
        yield files


def git_message(e: git.GitCommandError) -> str:
    """The first line git printed for a failed command, without GitPython's decoration."""
    text = str(e.stderr or "").strip().removeprefix("stderr:").strip()
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[0] if lines else str(e)).removeprefix("fatal: ")


def verify_rev(repo: git.Repo, rev: str) -> None:
    """Raise a one-line ``GraftError`` unless ``rev`` names a commit."""
    try:
        repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise GraftError(
            f"unknown revision {rev!r} (not a branch, tag or commit of this repository)"
        ) from None


def snapshot_dir(
    directory: Path, only: list[str] | None = None, label: str | None = None
) -> dict[str, Any]:
    """Run ``graftlab.repo.snapshot`` on a directory in a fresh Python process."""
    env = dict(os.environ)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "graftlab.repo.snapshot",
            str(directory),
            *([] if only is None else ["--only", *only]),
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["the snapshot process failed"])[-1]
        last = last.replace(str(directory) + "/", "").replace(str(directory), ".")
        raise GraftError(f"cannot read the experiments of {label or directory}: {last}")
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
        return snapshot_dir(tmp / sub, only, label=rev)


def changed_files(repo: git.Repo, base: str, head: str, *, verify: bool = True) -> list[str]:
    """Paths that differ between two revisions (``WORKTREE`` for the files on disk)."""
    args = [base] if head == WORKTREE else [base, head]
    for rev in args if verify else ():
        verify_rev(repo, rev)
    try:  # -z: names as they are (git quotes non-ASCII names otherwise)
        out = repo.git.diff("--name-only", "-z", *args, "--")
        others = (
            repo.git.ls_files("-z", "--others", "--exclude-standard") if head == WORKTREE else ""
        )
    except git.GitCommandError as e:
        raise GraftError(f"cannot compare {' and '.join(args)}: {git_message(e)}") from None
    files = [name for name in out.split("\0") if name]
    files += [u for u in others.split("\0") if u and u not in files]
    return files

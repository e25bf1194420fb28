"""Toy git repositories for the tests: a fixed identity, real git, the real ``graft`` command,
and the isolation a fixture needs to import a toy repository's own modules afresh."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IDENTITY = {
    "GIT_AUTHOR_NAME": "Graft Tester",
    "GIT_AUTHOR_EMAIL": "tester@example.com",
    "GIT_COMMITTER_NAME": "Graft Tester",
    "GIT_COMMITTER_EMAIL": "tester@example.com",
}


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run the real git CLI; returns standard output."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env if env is not None else {**os.environ, **IDENTITY},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def commit_repo(root: Path, write: Callable[[Path], None]) -> Path:
    """A git repository at ``root`` whose files ``write(root)`` lays down, committed on
    branch ``main``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "toy repository")
    return root


def graft_env(**extra: str) -> dict[str, str]:
    """The environment of a ``graft`` subprocess: a git identity, no colors, a wide console."""
    env = {**os.environ, **IDENTITY, "NO_COLOR": "1", "COLUMNS": "200"}
    env.update(extra)
    return env


def graft(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The real ``graft`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=cwd,
        env=env if env is not None else graft_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_graft(cwd: Path, *args: str, output: int = subprocess.PIPE) -> subprocess.Popen[str]:
    """The real ``graft`` command started in a subprocess (not waited for): a run to kill or
    to race; its output is piped (or ``output``, e.g. ``subprocess.DEVNULL``)."""
    return subprocess.Popen(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=cwd,
        env=graft_env(),
        stdout=output,
        stderr=output,
        text=True,
    )


def run_ids(root: Path) -> list[str]:
    """The ids of the run records of the repository at ``root`` (refs/graft/runs/)."""
    return git(root, "for-each-ref", "--format=%(refname:strip=3)", "refs/graft/runs/").split()


def add_origin(repo: Path, bare: Path) -> Path:
    """A bare repository at ``bare``, made ``repo``'s remote ``origin``, with ``main`` pushed
    to it; returns ``bare``."""
    git(bare.parent, "init", "-q", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "origin", "main")
    return bare


def clone(bare: Path, dest: Path) -> Path:
    """A clone of ``bare``'s ``main`` at ``dest``."""
    git(bare.parent, "clone", "-q", "-b", "main", str(bare), str(dest))
    return dest


@contextmanager
def isolated(monkeypatch: pytest.MonkeyPatch, forget: Callable[[], None]) -> Iterator[None]:
    """Within: the git identity is set and the toy repository's modules are imported afresh
    (``forget`` drops them from ``sys.modules`` before and after); ``sys.path`` is restored."""
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    forget()
    saved = list(sys.path)
    try:
        yield
    finally:
        sys.path[:] = saved
        forget()

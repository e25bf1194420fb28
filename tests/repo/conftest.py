"""Fixtures of the repository tests: a toy experiment repository in a temporary directory."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.git_repo import isolated
from graft_toy_repo import make_toy_repo

import graftlab as gl

_TEAM_MODULES = ("toy", "patches")


def _forget_team_modules() -> None:
    """Each test imports the toy repository's own ``toy`` and ``patches`` afresh."""
    for name in list(sys.modules):
        if name in _TEAM_MODULES or name.startswith("patches."):
            del sys.modules[name]


@pytest.fixture
def toy_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with isolated(monkeypatch, _forget_team_modules):
        yield make_toy_repo(tmp_path / "toy")


@pytest.fixture
def repo(toy_path: Path) -> gl.Repo:
    return gl.Repo(toy_path)

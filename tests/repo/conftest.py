"""Fixtures of the repository tests: a toy experiment repository in a temporary directory."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from graft_toy_repo import IDENTITY, make_toy_repo

import graftlab as gl

_TEAM_MODULES = ("toy", "patches")


def _forget_team_modules() -> None:
    """Each test imports the toy repository's own ``toy`` and ``patches`` afresh."""
    for name in list(sys.modules):
        if name in _TEAM_MODULES or name.startswith("patches."):
            del sys.modules[name]


@pytest.fixture
def toy_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)
    _forget_team_modules()
    saved = list(sys.path)
    root = make_toy_repo(tmp_path / "toy")
    yield root
    sys.path[:] = saved
    _forget_team_modules()


@pytest.fixture
def repo(toy_path: Path) -> gl.Repo:
    return gl.Repo(toy_path)

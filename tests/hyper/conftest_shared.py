"""Shared fixtures of the hyper and tuning tests: a toy repository with search spaces."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _support.git_repo import isolated
from tune_toy_repo import make_repo

import graftlab as gl

_MODULES = ("tunetoy", "tunepatches")


def _forget() -> None:
    for name in _MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def toy_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    with isolated(monkeypatch, _forget):
        root = make_repo(tmp_path / "toy")
        monkeypatch.chdir(root)
        yield root
    from graftlab.patching.registry import unregister_rule

    for name in ("tt/widen", "tt/lr", "tt/deeper"):
        try:
            unregister_rule(name)
        except Exception:
            pass


@pytest.fixture
def toy_repo(toy_root: Path) -> gl.Repo:
    return gl.Repo(toy_root)

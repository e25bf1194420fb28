"""Fixtures of the language-server tests: the team workspace, its index and a warm index cache.

Every workspace of these tests includes graftlab itself, whose scan takes seconds; the scans
are cached per file (by path, mtime and size), so one cache built per test session is copied
into each new workspace's cache location and only the workspace's own files are scanned.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_workspace import make_workspace

from graftlab.index import Index
from graftlab.index.cache import default_cache_file


@pytest.fixture(scope="session")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index cache file that holds the scans of graftlab's own modules."""
    root = make_workspace(tmp_path_factory.mktemp("warm") / "ws", repo=True)
    Index.for_workspace(root)
    path = default_cache_file(root)
    assert path.is_file()
    return path


@pytest.fixture(scope="session")
def new_workspace(
    warm_cache: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., Path]:
    """``new_workspace(files=None)``: a fresh team workspace (a git repository, warm cache)."""

    def make(files: dict[str, str] | None = None, name: str = "ws") -> Path:
        root = make_workspace(tmp_path_factory.mktemp(name) / "ws", files, repo=True)
        target = default_cache_file(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(warm_cache, target)
        return root

    return make


@pytest.fixture(scope="session")
def team_root(new_workspace: Callable[..., Path]) -> Path:
    return new_workspace(name="team")


@pytest.fixture(scope="session")
def team_index(team_root: Path) -> Index:
    return Index.for_workspace(team_root)

"""Roots and files on disk (issue 19, items 7 and 8): one index per graft.toml root, chosen
per document by the nearest graft.toml, folders added at run time; the server registers its
file watcher where the client can, and watches the files itself where it cannot (Neovim)."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_client import Session, start_server
from lsp_workspace import TEAM, make_workspace
from lsprotocol import types as t

from graftlab.index.cache import default_cache_file

pytestmark = pytest.mark.asyncio(loop_scope="function")

WIDGET = (
    TEAM
    + '''

@gl.symbolize
class Widget:
    """Only in the second repository."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
'''
)


def repo_at(root: Path, warm_cache: Path, files: dict[str, str] | None = None) -> Path:
    make_workspace(root, files, repo=True)
    target = default_cache_file(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(warm_cache, target)
    return root


async def labels_at(lsp: Session, rel: Path, text: str) -> set[str]:
    uri = lsp.open(rel, text)
    return {i.label for i in await lsp.complete(uri, text.count("\n"), len(text.split("\n")[-1]))}


async def test_each_folder_and_subfolder_repository_has_its_own_index(
    tmp_path: Path, warm_cache: Path
) -> None:
    first = repo_at(tmp_path / "first", warm_cache)
    mono = tmp_path / "mono"
    second = repo_at(mono / "second", warm_cache, {"team.py": WIDGET})
    lsp = await start_server(first, folders=[first])
    try:
        assert "Widget" not in await labels_at(lsp, first / "experiments/a.py", "x = Wid")
        # a folder added at run time holding a repository in a subfolder (a monorepo)
        lsp.client.workspace_did_change_workspace_folders(
            t.DidChangeWorkspaceFoldersParams(
                t.WorkspaceFoldersChangeEvent(
                    added=[t.WorkspaceFolder(mono.resolve().as_uri(), "mono")], removed=[]
                )
            )
        )
        assert "Widget" in await labels_at(lsp, second / "experiments/b.py", "x = Wid")
        # diagnostics in the second repository use its classes
        _uri, diags = await lsp.open_checked(
            second / "experiments/c.py", "from team import Widget\n\nx = Widget(sise=1)\n"
        )
        assert [d.message.split(";")[0] for d in diags] == ["Widget has no argument 'sise'"]
        assert "Widget" not in await labels_at(lsp, first / "experiments/a2.py", "x = Wid")
    finally:
        await lsp.stop()


async def test_two_workspace_folders(tmp_path: Path, warm_cache: Path) -> None:
    first = repo_at(tmp_path / "one", warm_cache)
    second = repo_at(tmp_path / "two", warm_cache, {"team.py": WIDGET})
    lsp = await start_server(first, folders=[first, second])
    try:
        assert "Widget" in await labels_at(lsp, second / "experiments/b.py", "x = Wid")
        assert "Widget" not in await labels_at(lsp, first / "experiments/a.py", "x = Wid")
    finally:
        await lsp.stop()


async def test_vscode_gets_a_watcher_registered(new_workspace: Callable[..., Path]) -> None:
    lsp = await start_server(new_workspace(name="watch_vscode"))
    try:
        deadline = time.monotonic() + 20
        while not lsp.registrations:
            assert time.monotonic() < deadline, "no registration"
            await asyncio.sleep(0.05)
        [reg] = lsp.registrations
        assert reg.method == t.WORKSPACE_DID_CHANGE_WATCHED_FILES
        globs = {w["globPattern"] for w in reg.register_options["watchers"]}  # type: ignore[index]
        assert globs == {"**/*.py", "**/graft.toml"}
    finally:
        await lsp.stop()


async def test_neovim_sees_a_change_on_disk(new_workspace: Callable[..., Path]) -> None:
    root = new_workspace(name="watch_neovim")
    lsp = await start_server(root, editor="neovim")
    try:
        assert lsp.registrations == []  # it cannot register watchers dynamically
        uri = lsp.open("experiments/n.py", "x = Giz")
        assert "Gizmo" not in {i.label for i in await lsp.complete(uri, 0, 7)}
        # a `git checkout` changes a module on disk; no editor tells the server
        (root / "team.py").write_text(
            TEAM + "\n\n@gl.symbolize\nclass Gizmo:\n    def __init__(self, n: int = 1) -> None:\n"
            "        self.n = n\n"
        )
        deadline = time.monotonic() + 30
        while "Gizmo" not in {i.label for i in await lsp.complete(uri, 0, 7)}:
            assert time.monotonic() < deadline, "the change on disk was never seen"
            await asyncio.sleep(0.3)
    finally:
        await lsp.stop()


async def test_progress_while_the_index_is_built(new_workspace: Callable[..., Path]) -> None:
    lsp = await start_server(new_workspace(name="progress"))
    try:
        reports = lsp.client.progress_reports
        deadline = time.monotonic() + 60
        while not any(
            any(isinstance(r, t.WorkDoneProgressEnd) for r in rs) for rs in reports.values()
        ):
            assert time.monotonic() < deadline, f"no progress ended: {reports}"
            await asyncio.sleep(0.05)
        [values] = [rs for rs in reports.values() if rs]
        assert isinstance(values[0], t.WorkDoneProgressBegin)
        assert values[0].title == "graftlab: indexing"
        assert isinstance(values[-1], t.WorkDoneProgressEnd)
        assert (values[-1].message or "").endswith(" classes")
    finally:
        await lsp.stop()

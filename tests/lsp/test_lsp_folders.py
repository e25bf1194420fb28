"""Workspace folders at run time, with VS Code's capabilities and with Neovim's (issue 19,
items 7 and 8): a folder added through ``workspace/didChangeWorkspaceFolders`` holding a
repository in a subfolder (a monorepo) gets that repository's index; a folder removed stops
its root (its loader worker exits); with Neovim's capabilities (no dynamic registration of
file watchers) a ``git checkout`` in the added repository is seen by the server's own watcher.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest
from lsp_client import Session, start_server
from lsp_workspace import IDENTITY, TEAM
from lsprotocol import types as t
from test_lsp_roots import WIDGET, labels_at, repo_at

pytestmark = pytest.mark.asyncio(loop_scope="function")

EDITORS = ["visual-studio-code", "neovim"]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **IDENTITY}, check=True, capture_output=True
    )


def workers_of(root: Path) -> list[int]:
    """The pids of the loader workers running for ``root`` (``graftlab_lsp.worker ROOT``)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"graftlab_lsp.worker" in argv and str(root).encode() in argv:
            out.append(int(entry.name))
    return out


def change_folders(lsp: Session, added: list[Path], removed: list[Path]) -> None:
    def folders(paths: list[Path]) -> list[t.WorkspaceFolder]:
        return [t.WorkspaceFolder(p.resolve().as_uri(), p.name) for p in paths]

    lsp.client.workspace_did_change_workspace_folders(
        t.DidChangeWorkspaceFoldersParams(
            t.WorkspaceFoldersChangeEvent(added=folders(added), removed=folders(removed))
        )
    )


async def until(what: str, check: object, timeout: float = 30.0) -> None:
    """Poll ``check()`` (sync or async) until it is true."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()  # type: ignore[operator]
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(0.2)


@pytest.mark.parametrize("editor", EDITORS)
async def test_a_folder_added_and_one_removed_at_run_time(
    tmp_path: Path, warm_cache: Path, editor: str
) -> None:
    first = repo_at(tmp_path / "first", warm_cache)
    mono = tmp_path / "mono"
    second = repo_at(mono / "second", warm_cache, {"team.py": WIDGET}).resolve()
    lsp = await start_server(first, folders=[first], editor=editor)
    try:
        assert "Widget" not in await labels_at(lsp, first / "experiments/a.py", "x = Wid")
        change_folders(lsp, added=[mono], removed=[])
        # the repository in a subfolder of the added folder has its own index and worker
        assert "Widget" in await labels_at(lsp, second / "experiments/b.py", "x = Wid")
        uri, diags = await lsp.open_checked(
            second / "experiments/c.py", "from team import Widget\n\nx = Widget(sise=1)\n"
        )
        assert [d.message.split(";")[0] for d in diags] == ["Widget has no argument 'sise'"]
        assert workers_of(second), "the trusted root's loader worker is not running"
        # the folder's files closed and the folder removed: its root stops (the worker
        # exits; an open file would keep its root), the first folder carries on
        lsp.close(uri)
        lsp.close(lsp.uri(second / "experiments/b.py"))
        change_folders(lsp, added=[], removed=[mono])
        await until("the removed root's worker exits", lambda: not workers_of(second))
        assert "Widget" not in await labels_at(lsp, first / "experiments/a2.py", "x = Wid")
        _uri, diags = await lsp.open_checked(
            first / "experiments/d.py", "from team import Dense\n\nx = Dense(unitz=1)\n"
        )
        assert [d.message.split(";")[0] for d in diags] == ["Dense has no argument 'unitz'"]
    finally:
        await lsp.stop()


@pytest.mark.parametrize("editor", EDITORS)
async def test_two_folders_and_a_nested_repository(
    tmp_path: Path, warm_cache: Path, editor: str
) -> None:
    """Two folders, the second a monorepo whose repository is in a subfolder: each document
    is served by the index of its nearest graft.toml."""
    first = repo_at(tmp_path / "one", warm_cache)
    mono = tmp_path / "mono"
    nested = repo_at(mono / "libs" / "nested", warm_cache, {"team.py": WIDGET})
    lsp = await start_server(first, folders=[first, mono], editor=editor)
    try:
        assert "Widget" in await labels_at(lsp, nested / "experiments/b.py", "x = Wid")
        assert "Widget" not in await labels_at(lsp, first / "experiments/a.py", "x = Wid")
        _uri, diags = await lsp.open_checked(
            nested / "experiments/c.py", "from team import Widget\n\nx = Widget(sise=1)\n"
        )
        assert [d.message.split(";")[0] for d in diags] == ["Widget has no argument 'sise'"]
    finally:
        await lsp.stop()


GIZMO = (
    TEAM + "\n\n@gl.symbolize\nclass Gizmo:\n    def __init__(self, n: int = 1) -> None:\n"
    "        self.n = n\n"
)


async def test_neovim_sees_a_git_checkout_in_an_added_nested_repository(
    tmp_path: Path, warm_cache: Path
) -> None:
    first = repo_at(tmp_path / "first", warm_cache)
    mono = tmp_path / "mono"
    nested = repo_at(mono / "nested", warm_cache)
    # a branch that adds a class; the work tree stays on main
    git(nested, "checkout", "-q", "-b", "gizmo")
    (nested / "team.py").write_text(GIZMO)
    git(nested, "commit", "-q", "-am", "Gizmo")
    git(nested, "checkout", "-q", "main")
    lsp = await start_server(first, folders=[first], editor="neovim")
    try:
        assert lsp.registrations == []  # Neovim cannot register watchers dynamically
        change_folders(lsp, added=[mono], removed=[])
        uri = lsp.open(nested / "experiments/n.py", "x = Giz")

        async def offered() -> bool:
            return "Gizmo" in {i.label for i in await lsp.complete(uri, 0, 7)}

        assert not await offered()
        git(nested, "checkout", "-q", "gizmo")  # no editor tells the server
        await until("the checkout that adds Gizmo is seen", offered)
        git(nested, "checkout", "-q", "main")
        await until("the checkout that removes Gizmo is seen", lambda: _not(offered))
        assert lsp.registrations == []
    finally:
        await lsp.stop()


async def _not(check: object) -> bool:
    return not await check()  # type: ignore[operator]

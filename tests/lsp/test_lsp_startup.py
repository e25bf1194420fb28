"""Starting the server loads no index machinery: libcst (the index's parser) is imported by
the thread that builds the index, never before ``initialize`` can answer."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


def test_the_server_module_does_not_import_libcst() -> None:
    code = "import sys, graftlab_lsp.server; print('libcst' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False"]


def test_roots_created_while_initialize_runs_start_their_index_later(tmp_path) -> None:
    """``initialize`` creates the roots but defers their index threads (whose imports would
    compete with the answer); the next use of a root, or ``initialized``, starts them."""
    from graftlab_lsp.core import GraftServer

    ls = GraftServer()
    ls.defer_index = True
    ls.add_folder(tmp_path)
    state = ls.roots[tmp_path]
    assert state.started is False
    assert not state.ready.is_set()
    ls.defer_index = False
    assert ls.root_of(tmp_path) is state
    assert state.started is True
    assert state.ready.wait(30)


def test_the_server_answers_initialize_before_loading_the_features() -> None:
    """What ``initialize`` needs is pygls and the handlers' registrations: the features, the
    experiment parser, graftlab's symbolic core and ``importlib.metadata`` (which loads the
    ``email`` package) are loaded on first use, after the answer."""
    late = [
        "graftlab.symbolic",
        "graftlab.io.syntax",
        "graftlab.index.workspace",
        "graftlab_lsp.context",
        "graftlab_lsp.features.completion",
        "graftlab_lsp.features.references",
        "graftlab_lsp.navigation",
        "graftlab_lsp.anchors",
        "importlib.metadata",
        "email",
    ]
    code = (
        "import sys, graftlab_lsp.server\n"
        "from graftlab_lsp.version import server_version\n"
        "server_version()\n"
        f"print([m for m in {late!r} if m in sys.modules])\n"
        "from graftlab_lsp import LanguageService\n"  # the lazy re-export still works
        "print(LanguageService.__module__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "graftlab_lsp.service"]


def test_the_server_version_is_the_distribution_s() -> None:
    from importlib.metadata import version

    from graftlab_lsp.version import server_version

    assert server_version() == version("graftlab")


def test_a_cancelled_watcher_registration_falls_back_to_polling() -> None:
    """The registration's answer handler never raises: a cancelled request (at shutdown) made
    ``future.exception()`` raise ``CancelledError`` in a callback (pygls logged a traceback)."""
    from concurrent.futures import Future

    from graftlab_lsp.core import GraftServer
    from graftlab_lsp.handlers.lifecycle import _registered

    ls = GraftServer()
    accepted: Future[None] = Future()
    accepted.set_result(None)
    _registered(ls, accepted)
    assert ls.watch_self is False
    refused: Future[None] = Future()
    refused.set_exception(RuntimeError("unknown method"))
    _registered(ls, refused)
    assert ls.watch_self is True
    ls.watch_self = False
    cancelled: Future[None] = Future()
    cancelled.cancel()
    _registered(ls, cancelled)  # raised CancelledError before
    assert ls.watch_self is True


ZETA = '''

@gl.symbolize
class Zeta:
    """Added while the server was stopped."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
'''


@pytest.mark.asyncio(loop_scope="function")
async def test_a_restart_sees_what_changed_while_the_server_was_stopped(
    new_workspace: Callable[..., Path],
) -> None:
    """Each start takes the index cache of the one before (scans and the resolved snapshot):
    a class added, then removed, while no server ran is offered, then no longer offered."""
    from lsp_client import start_server

    root = new_workspace(name="restart")
    team = root / "team.py"
    original = team.read_text()
    probe = "from team import Zeta\n\nx = Zeta"

    async def offered() -> set[str]:
        lsp = await start_server(root, trusted=False)
        try:
            uri = lsp.open("experiments/probe.py", probe)
            for _ in range(600):  # until the index is ready: a known class is offered
                labels = {i.label for i in await lsp.complete(uri, 2, len("x = Zeta"))}
                labels |= {i.label for i in await lsp.complete(uri, 2, len("x = "))}
                if "Layer" in labels:
                    return labels
                await asyncio.sleep(0.1)
            raise AssertionError("the index was never ready")
        finally:
            await lsp.stop()

    def snapshot() -> dict[str, object]:
        from graftlab.index.cache import default_cache_file

        return json.loads(default_cache_file(root).read_text())["snapshot"]

    assert "Zeta" not in await offered()
    kept = snapshot()
    assert "team.Layer" in kept["classes"]  # type: ignore[operator]
    assert "Zeta" not in await offered()  # from the cache of the first start
    assert snapshot() == kept
    team.write_text(original + ZETA)
    assert "Zeta" in await offered()
    assert "team.Zeta" in snapshot()["classes"]  # type: ignore[operator]
    assert "Zeta" in await offered()
    team.write_text(original)
    os.utime(team, ns=(10**9, 10**9))  # a new stamp even on a coarse clock
    assert "Zeta" not in await offered()

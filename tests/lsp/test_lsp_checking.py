"""Diagnostics after a burst of edits (issue 19, speed and memory): a document has at most
one check waiting, for its newest version, so a burst does not queue a copy of the text per
edit; only the newest version is published, with its own diagnostics."""

from __future__ import annotations

import time
from typing import Any

from graftlab_lsp.core import GraftServer
from graftlab_lsp.document import LspWorkspace
from lsprotocol import types as t

URI = "file:///nowhere/experiments/burst.py"


def _server() -> tuple[GraftServer, list[t.PublishDiagnosticsParams]]:
    ls = GraftServer()
    ls.protocol._workspace = LspWorkspace(None)
    published: list[t.PublishDiagnosticsParams] = []
    ls.text_document_publish_diagnostics = published.append  # type: ignore[method-assign]
    return ls, published


def _edit(ls: Any, version: int, text: str) -> None:
    doc = ls.workspace.get_text_document(URI)
    doc.apply_change(t.TextDocumentContentChangeWholeDocument(text=text))
    doc.version = version
    ls.check(URI)


def test_a_burst_of_edits_keeps_one_check_waiting_and_publishes_the_newest() -> None:
    ls, published = _server()
    ls.workspace.put_text_document(t.TextDocumentItem(URI, "python", 1, "x = 1\n"))
    ls.check(URI)
    _wait(lambda: published)
    assert [p.version for p in published] == [1]
    with ls._publish_lock:  # the check under way cannot publish: later ones must wait
        _edit(ls, 2, "x = 2\n")
        _wait(lambda: not ls._pending)  # version 2 is being checked, blocked on the lock
        for version in range(3, 303):
            bad = "x = (\n" if version == 302 else f"x = {version}\n"
            _edit(ls, version, bad)
        # before: 300 checks queued, each holding its own copy of the text
        assert ls._checks._work_queue.qsize() <= 1
        assert list(ls._pending) == [URI] and ls._pending[URI][1] == 302
    _wait(lambda: published[-1].version == 302)
    assert [p.version for p in published] == [1, 302]  # version 2 was stale when it finished
    assert published[-1].diagnostics and "syntax" in published[-1].diagnostics[0].message
    assert not ls._pending
    ls._checks.shutdown(wait=True)


def _wait(condition: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)

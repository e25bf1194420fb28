"""``$/cancelRequest`` over real stdio (issue #19, item 2): a request that already runs is
answered with ``RequestCancelled`` at once and gives its thread back, so later requests are
not blocked behind requests the editor gave up on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsp_client import Session, start_server
from lsp_workspace import make_workspace
from lsprotocol import types as t
from pygls.exceptions import JsonRpcRequestCancelled

pytestmark = pytest.mark.asyncio(loop_scope="function")


def _many_modules(n: int = 100, per: int = 8) -> dict[str, str]:
    """``n`` modules of ``per`` symbolic classes each (what makes an index slow to build)."""
    files = {}
    for m in range(n):
        body = ["import graftlab as gl", ""]
        for c in range(per):
            body += [
                "",
                "@gl.symbolize",
                f"class Block{m}x{c}:",
                f'    """Block {c} of module {m}."""',
                "",
                f"    def __init__(self, width: int = {c + 1}, depth: int = 2) -> None:",
                "        self.width = width",
                "        self.depth = depth",
                "",
            ]
        files[f"blocks/mod{m}.py"] = "\n".join(body)
    files["blocks/__init__.py"] = ""
    return files


def _index_done(lsp: Session) -> bool:
    reports = lsp.client.progress_reports
    return any(any(isinstance(r, t.WorkDoneProgressEnd) for r in rs) for rs in reports.values())


async def test_cancelled_requests_answer_at_once_and_free_their_threads(tmp_path: Path) -> None:
    # A cold workspace (no index cache) with many modules: building its index takes
    # seconds, and every completion waits for it, as the editor's do while a repository is
    # first opened.
    root = make_workspace(tmp_path / "ws", _many_modules(), repo=True)
    lsp = await start_server(root, trusted=False)
    try:
        uri = lsp.open("experiments/baseline.py")
        params = t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(5, 12))
        ids = [f"slow-{i}" for i in range(8)]  # more than the server's four threads
        futures = [
            asyncio.ensure_future(
                lsp.client.protocol.send_request_async(t.TEXT_DOCUMENT_COMPLETION, params, msg_id=i)
            )
            for i in ids
        ]
        await asyncio.sleep(0.3)  # the first four run (waiting for the index)
        assert not _index_done(lsp), "the index was ready too soon for this test"
        for i in ids:
            lsp.client.protocol.notify(t.CANCEL_REQUEST, t.CancelParams(id=i))
        for future in futures:
            with pytest.raises(JsonRpcRequestCancelled):
                await asyncio.wait_for(future, 30)
        # every cancelled request was answered before the index it waited for was built,
        # and a request after them is not stuck behind them
        assert not _index_done(lsp)
        symbols = await lsp.symbols(uri)
        assert [s.name for s in symbols] == ["experiment"]
        assert not _index_done(lsp)
        # the server still answers completions in full once the index is ready
        while not _index_done(lsp):
            await asyncio.sleep(0.05)
        labels = {i.label for i in await lsp.complete(uri, 5, 12)}
        assert "Conv" in labels
    finally:
        await lsp.stop()

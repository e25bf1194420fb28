"""Formatting with the canonical writer (trusted roots: it imports the workspace)."""

from __future__ import annotations

from lsprotocol import types as t

from graftlab_lsp.app import server
from graftlab_lsp.convert import uri_to_path
from graftlab_lsp.core import GraftServer


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
@server.thread()
def formatting(ls: GraftServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    state = ls.root_for(params.text_document.uri)
    if state.worker is None:
        return None  # restricted: the writer would import the workspace's modules
    result = state.worker.request(
        "format", file=str(uri_to_path(params.text_document.uri)), text=doc.source
    )
    new = result.get("text")
    if new is None or new == doc.source:
        return [] if new is not None else None
    end = t.Position(len(doc.lines), 0)
    return [t.TextEdit(t.Range(t.Position(0, 0), end), new)]

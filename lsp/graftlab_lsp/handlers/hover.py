"""Hover."""

from __future__ import annotations

from lsprotocol import types as t

from graftlab_lsp.app import document, server
from graftlab_lsp.core import GraftServer


@server.feature(t.TEXT_DOCUMENT_HOVER)
@server.thread()
def hover(ls: GraftServer, params: t.HoverParams) -> t.Hover | None:
    doc, state = document(ls, params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    last = ls.docs.get(params.text_document.uri)
    derived = ((last.result if last is not None else None) or {}).get("derived")
    text = state.service.hover(doc.source, line, col, derived)
    if text is None:
        return None
    return t.Hover(contents=t.MarkupContent(t.MarkupKind.Markdown, text))

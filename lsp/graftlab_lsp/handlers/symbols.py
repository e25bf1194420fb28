"""Document symbols."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as t

from graftlab_lsp.app import server
from graftlab_lsp.core import GraftServer


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@server.thread()
def document_symbol(ls: GraftServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    lines = doc.lines

    def conv(s: Any) -> t.DocumentSymbol:
        rng = ls.range_out(lines, s.line, s.column, s.end_line, s.end_column)
        return t.DocumentSymbol(
            name=s.name,
            detail=s.detail,
            kind=t.SymbolKind.Field if s.children == [] else t.SymbolKind.Object,
            range=rng,
            selection_range=rng,
            children=[conv(c) for c in s.children],
        )

    return [conv(s) for s in ls.root_for(params.text_document.uri).service.symbols(doc.source)]

"""Go to definition."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as t

from graftlab_lsp.app import document, server
from graftlab_lsp.core import GraftServer


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
@server.thread()
def definition(ls: GraftServer, params: t.DefinitionParams) -> t.Location | None:
    doc, state = document(ls, params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    loc = state.service.definition(doc.source, line, col)
    if loc is None:
        return None
    path = Path(loc.file)
    if not path.is_absolute() and state.path is not None:
        path = state.path / path
    pos = t.Position(max(0, loc.line - 1), max(0, loc.column))
    return t.Location(uri=path.resolve().as_uri(), range=t.Range(pos, pos))

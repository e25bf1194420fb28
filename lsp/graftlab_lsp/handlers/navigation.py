"""Workspace symbols (experiments and rules of every root) and document links."""

from __future__ import annotations

from lsprotocol import types as t

from graftlab_lsp.app import document, server
from graftlab_lsp.convert import target_uri
from graftlab_lsp.core import GraftServer
from graftlab_lsp.lazy import LazyModule

navigation = LazyModule("graftlab_lsp.navigation")  # loaded on first use

_SYMBOL_KINDS = {"experiment": t.SymbolKind.File, "rule": t.SymbolKind.Function}


@server.feature(t.WORKSPACE_SYMBOL)
@server.thread()
def workspace_symbol(ls: GraftServer, params: t.WorkspaceSymbolParams) -> list[t.SymbolInformation]:
    """Experiments and patch rules of every root, matching the query."""
    out = []
    for state in list(ls.roots.values()):
        state.wait(5.0)
        for sym in navigation.workspace_symbols(state.index, params.query):
            pos = t.Position(sym.target.line, sym.target.column)
            out.append(
                t.SymbolInformation(
                    name=sym.name,
                    kind=_SYMBOL_KINDS.get(sym.kind, t.SymbolKind.Object),
                    location=t.Location(target_uri(state.path, sym.target.file), t.Range(pos, pos)),
                    container_name=sym.container or None,
                )
            )
    return out


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_LINK)
@server.thread()
def document_link(ls: GraftServer, params: t.DocumentLinkParams) -> list[t.DocumentLink]:
    """Base experiment names and patch URIs link to their files."""
    doc, state = document(ls, params.text_document.uri)
    lines = doc.lines
    out = []
    for link in navigation.document_links(state.index, doc.source):
        uri = target_uri(state.path, link.target.file)
        out.append(
            t.DocumentLink(
                range=ls.range_out(lines, link.line, link.column, link.end_line, link.end_column),
                target=f"{uri}#L{link.target.line + 1}",
                tooltip=link.tooltip,
            )
        )
    return out

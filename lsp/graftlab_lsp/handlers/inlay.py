"""Inlay hints (a derived experiment's values, set by each patch URI; trusted roots only)."""

from __future__ import annotations

from lsprotocol import types as t

from graftlab_lsp.app import server
from graftlab_lsp.core import GraftServer


@server.feature(t.TEXT_DOCUMENT_INLAY_HINT, t.InlayHintOptions(resolve_provider=False))
@server.thread()
def inlay_hint(ls: GraftServer, params: t.InlayHintParams) -> list[t.InlayHint]:
    uri = params.text_document.uri
    last = ls.docs.get(uri)
    derived = ((last.result if last is not None else None) or {}).get("derived")
    if not derived:
        return []  # restricted roots (no worker), or not a derived experiment
    doc = ls.workspace.get_text_document(uri)
    lines = doc.lines
    first, _ = ls.pos_in(lines, params.range.start)
    end, _ = ls.pos_in(lines, params.range.end)
    out = []
    from graftlab_lsp.features.inlay import inlay_hints  # on first use, not at start-up

    for h in inlay_hints(doc.source, derived, first, end):
        pos = ls.range_out(lines, h.line, h.column, h.line, h.column).start
        out.append(
            t.InlayHint(
                position=pos,
                label=h.label,
                kind=t.InlayHintKind.Type,
                tooltip=t.MarkupContent(t.MarkupKind.Markdown, h.tooltip),
                padding_left=True,
            )
        )
    return out

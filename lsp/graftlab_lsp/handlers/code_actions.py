"""Quick fixes."""

from __future__ import annotations

from lsprotocol import types as t

from graftlab_lsp.app import document, server
from graftlab_lsp.core import GraftServer
from graftlab_lsp.model import Action, Diag


@server.feature(t.TEXT_DOCUMENT_CODE_ACTION)
@server.thread()
def code_action(ls: GraftServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    doc, state = document(ls, params.text_document.uri)
    lines = doc.lines
    diags = []
    for d in params.context.diagnostics:
        start = ls.pos_in(lines, d.range.start)
        end = ls.pos_in(lines, d.range.end)
        diags.append(Diag(start[0], start[1], end[0], end[1], d.message, code=str(d.code or "")))
    out = []
    preferred: set[int] = set()
    for a in state.service.code_actions(doc.source, diags):
        edits = [
            t.TextEdit(ls.range_out(lines, e.line, e.column, e.end_line, e.end_column), e.text)
            for e in a.edits
        ]
        first = id(a.diagnostic) not in preferred  # the first fix of a diagnostic is preferred
        preferred.add(id(a.diagnostic))
        out.append(_action(params.text_document.uri, a, edits, params.context.diagnostics, first))
    return out


def _action(
    uri: str, a: Action, edits: list[t.TextEdit], diags: list[t.Diagnostic], preferred: bool
) -> t.CodeAction:
    related = [
        d
        for d in diags
        if a.diagnostic is not None
        and d.message == a.diagnostic.message
        and (d.range.start.line, d.range.end.line) == (a.diagnostic.line, a.diagnostic.end_line)
    ]
    return t.CodeAction(
        title=a.title,
        kind=t.CodeActionKind.QuickFix,
        diagnostics=related or None,
        edit=t.WorkspaceEdit(changes={uri: edits}),
        is_preferred=preferred,
    )

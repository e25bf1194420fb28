"""Signature help (triggered by ``(``, ``,``, ``?``, ``&`` and ``=``)."""

from __future__ import annotations

from lsprotocol import types as t

from graftlab_lsp.app import document, server
from graftlab_lsp.core import GraftServer


@server.feature(
    t.TEXT_DOCUMENT_SIGNATURE_HELP,
    t.SignatureHelpOptions(trigger_characters=["(", ",", "?", "&"], retrigger_characters=["="]),
)
@server.thread()
def signature(ls: GraftServer, params: t.SignatureHelpParams) -> t.SignatureHelp | None:
    doc, state = document(ls, params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    from graftlab_lsp.features.signature import signature_help  # on first use

    sig = signature_help(state.index, doc.source, line, col)
    if sig is None:
        return None
    # parameters as [start, end] offsets into the label, in UTF-16 units (as positions)
    parameters = [
        t.ParameterInformation(
            label=(_utf16(sig.label[:start]), _utf16(sig.label[:end])),
            documentation=t.MarkupContent(t.MarkupKind.Markdown, doc_) if doc_ else None,
        )
        for start, end, doc_ in sig.parameters
    ]
    info = t.SignatureInformation(
        label=sig.label,
        documentation=t.MarkupContent(t.MarkupKind.Markdown, sig.documentation)
        if sig.documentation
        else None,
        parameters=parameters,
        active_parameter=sig.active,
    )
    return t.SignatureHelp(signatures=[info], active_signature=0, active_parameter=sig.active)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2

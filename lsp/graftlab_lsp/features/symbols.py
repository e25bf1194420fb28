"""Document symbols: each top-level name's tree by key path (from text that parses)."""

from __future__ import annotations

from graftlab.io.spans import Span
from graftlab.io.syntax import CallE, DictE, DottedE, Expr, ListE, Lit, NameE, TupleE, parse
from graftlab_lsp.model import Symbol


def symbols(text: str) -> list[Symbol]:
    """The experiment tree by key path (empty when the text does not parse)."""
    module, _errors, _src = parse(text)
    return [_symbol(a.name, a.value, a.span) for a in module.assigns]


def _symbol(name: str, e: Expr, span: Span) -> Symbol:
    sym = Symbol(name, short(e), span.line - 1, span.column, span.end_line - 1, span.end_column)
    for key, child in kids(e):
        sym.children.append(_symbol(key, child, child.span))
    return sym


def short(e: Expr) -> str:
    """A one-word summary of a value (``Conv(...)``, ``[3 items]``, ``0.1``)."""
    if isinstance(e, CallE):
        c = e.callee
        return (c.name if isinstance(c, NameE) else ".".join(c.parts)) + "(...)"
    if isinstance(e, ListE):
        return f"[{len(e.items)} items]"
    if isinstance(e, TupleE):
        return f"({len(e.items)} items)"
    if isinstance(e, DictE):
        return f"{{{len(e.keys)} keys}}"
    if isinstance(e, Lit):
        return repr(e.value)
    if isinstance(e, NameE):
        return e.name
    if isinstance(e, DottedE):
        return ".".join(e.parts)
    return ""


def kids(e: Expr) -> list[tuple[str, Expr]]:
    """A value's children, keyed as key paths key them (``[0]``, ``name``)."""
    if isinstance(e, CallE):
        return [(f"[{i}]", a) for i, a in enumerate(e.args)] + [(k.name, k.value) for k in e.kwargs]
    if isinstance(e, (ListE, TupleE)):
        return [(f"[{i}]", x) for i, x in enumerate(e.items)]
    if isinstance(e, DictE):
        return [(repr(k), v) for (k, _s), v in zip(e.keys, e.values, strict=True)]
    return []

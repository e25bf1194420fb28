"""Walking a document's expressions (the safe parser's IR, ``graftlab.io.syntax``): the
features that look for calls, base names or patch URIs anywhere in a value share one walk."""

from __future__ import annotations

from collections.abc import Iterator

from graftlab.io.syntax import CallE, DictE, Expr, ListE, TupleE


def walk(e: Expr) -> Iterator[Expr]:
    """``e`` and every expression inside it, depth first in source order: a call's positional
    arguments then its keyword values, list and tuple items, dict values (not a call's callee
    nor a dict's keys)."""
    yield e
    if isinstance(e, CallE):
        for a in e.args:
            yield from walk(a)
        for k in e.kwargs:
            yield from walk(k.value)
    elif isinstance(e, (ListE, TupleE)):
        for x in e.items:
            yield from walk(x)
    elif isinstance(e, DictE):
        for v in e.values:
            yield from walk(v)

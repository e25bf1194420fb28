"""Places in an experiment's current text: the object at a key path, a patch URI, a name.

Used to show a failed run where it belongs after the file was edited: the recorded line
numbers are those of the text that ran, the key path and the URI are not.
"""

from __future__ import annotations

import re

from graftlab.io.spans import Span
from graftlab.io.syntax import CallE, DictE, Expr, ListE, Lit, TupleE, parse
from graftlab_lsp.exprs import walk

Range = tuple[int, int, int, int]  # 0-based line, column, end line, end column

_PART = re.compile(
    r"\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]|\.?([A-Za-z_][A-Za-z0-9_]*)"
)


def _range(span: Span) -> Range:
    end = span.end_column
    if span.line == span.end_line:
        end = max(end, span.column + 1)
    return (span.line - 1, span.column, span.end_line - 1, end)


def _parts(path: str) -> list[str | int]:
    out: list[str | int] = []
    for m in _PART.finditer(path):
        if m.group(1) is not None:
            out.append(int(m.group(1)))
        elif m.group(2) is not None:
            out.append(m.group(2)[1:-1])
        elif m.group(3) is not None:
            out.append(m.group(3))
    return out


def _child(e: Expr, key: str | int) -> Expr | None:
    if isinstance(e, CallE):
        if isinstance(key, int):
            return e.args[key] if key < len(e.args) else None
        return next((k.value for k in e.kwargs if k.name == key), None)
    if isinstance(e, (ListE, TupleE)) and isinstance(key, int):
        return e.items[key] if key < len(e.items) else None
    if isinstance(e, DictE):
        for (k, _s), v in zip(e.keys, e.values, strict=True):
            if k == key:
                return v
    return None


def keypath_span(text: str, path: str, name: str = "experiment") -> Range | None:
    """The range of the object at key ``path`` of the top-level ``name`` (the nearest
    ancestor written in the text when the object itself is not)."""
    module, _errors, _src = parse(text)
    node: Expr | None = next((a.value for a in module.assigns if a.name == name), None)
    if node is None:
        return None
    for key in _parts(path):
        child = _child(node, key)
        if child is None:
            break
        node = child
    return _range(node.span)


def uri_span(text: str, uri: str) -> Range | None:
    """The range of the string literal holding patch URI ``uri``."""
    module, _errors, _src = parse(text)
    for a in module.assigns:
        for e in walk(a.value):
            if isinstance(e, Lit) and e.value == uri:
                return _range(e.span)
    return None


def name_span(text: str, name: str) -> Range | None:
    """The range of the top-level name ``name`` where it is assigned."""
    module, _errors, _src = parse(text)
    for a in module.assigns:
        if a.name == name:
            return _range(a.name_span)
    return None


def base_name(text: str, name: str = "experiment") -> str | None:
    """The base experiment of a derived ``name`` (``Derived(base="...")``), if it is one."""
    module, _errors, _src = parse(text)
    node = next((a.value for a in module.assigns if a.name == name), None)
    if isinstance(node, CallE):
        for k in node.kwargs:
            if k.name == "base" and isinstance(k.value, Lit) and isinstance(k.value.value, str):
                return k.value.value
    return None

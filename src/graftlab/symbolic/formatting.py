"""Canonical Python-expression text for symbolic values.

``format_value`` writes ``Conv(features=32, kernel=(3, 3))``; calls that do not fit the width
get one argument per line with trailing commas. Keyword arguments come in signature order;
positional-only and ``*args`` values are written positionally. The text format's writer
reuses this with its own ``name_of`` (how a class is spelled after the file's imports).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any

from graftlab.symbolic.nodes import LEAF_TYPES, state_of
from graftlab.symbolic.schema import MISSING, POSITIONAL_ONLY, VAR_POSITIONAL

NameOf = Callable[[Any], str]


def _default_name(t: Any) -> str:
    return t.__qualname__


def format_float(x: float) -> str:
    """A float literal that reads back bit-identical (``repr`` does; inf and nan are named)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


class Formatter:
    """Renders values; one instance per call so that flat texts are computed once."""

    def __init__(
        self,
        *,
        width: int = 88,
        hide_defaults: bool = False,
        name_of: NameOf = _default_name,
        compact: bool = False,
        leaf: Callable[[Any], str | None] | None = None,
    ) -> None:
        self.width = width
        self.hide_defaults = hide_defaults
        self.name_of = name_of
        self.compact = compact
        self.leaf = leaf
        self._flat: dict[int, str] = {}

    def items(self, value: Any) -> tuple[str, str, list[tuple[str | None, Any]]] | None:
        """(open, close, [(keyword or None, child)]) for containers and calls; None for leaves."""
        if isinstance(value, list):
            return "[", "]", [(None, v) for v in list.__iter__(value)]
        if isinstance(value, dict):
            return "{", "}", [(repr(k) + ": ", v) for k, v in dict.items(value)]
        if type(value) is tuple:
            return "(", ")", [(None, v) for v in value]
        st = state_of(value)
        if st is None:
            return None
        schema = st.schema
        fields = schema.fields
        out: list[tuple[str | None, Any]] = []
        if schema._simple_call:
            # Every argument is written as a keyword: no positional bookkeeping needed.
            hide = self.hide_defaults
            for k, v in st.args.items():
                f = fields.get(k)
                if hide and f is not None and f.default is not MISSING and _same(v, f.default):
                    continue
                out.append((k + "=", v))
            return self.name_of(type(value)) + "(", ")", out
        # Values written positionally (positional-only ones, and every positional one before
        # a non-empty ``*args``) wait here: only a trailing run of defaults may be hidden.
        pending: list[tuple[bool, Any]] = []

        def flush(can_hide: bool) -> None:
            while can_hide and pending and pending[-1][0]:
                pending.pop()
            out.extend((None, x) for _, x in pending)
            pending.clear()

        star = st.args.get(schema.var_positional) if schema.var_positional else None
        for k, v in st.args.items():
            f = fields.get(k)
            if f is not None and f.kind == VAR_POSITIONAL:
                flush(can_hide=not v)
                out.extend((None, x) for x in v)
                continue
            hidden = (
                self.hide_defaults
                and f is not None
                and f.default is not MISSING
                and _same(v, f.default)
            )
            if f is not None and (f.kind == POSITIONAL_ONLY or (star and k in schema.positional)):
                pending.append((hidden, v))
                continue
            flush(can_hide=True)
            if not hidden:
                out.append((k + "=", v))
        flush(can_hide=True)
        return self.name_of(type(value)) + "(", ")", out

    def scalar(self, value: Any) -> str:
        if self.leaf is not None:
            text = self.leaf(value)
            if text is not None:
                return text
        t = type(value)
        if t is float:
            return format_float(value)
        if t in LEAF_TYPES:
            return repr(value)
        if isinstance(value, enum.Enum):
            return f"{self.name_of(type(value))}.{value.name}"
        if isinstance(value, type) or callable(value):
            try:
                return self.name_of(value)
            except Exception:
                return repr(value)
        return repr(value)

    def flat(self, value: Any) -> str:
        key = id(value)
        cached = self._flat.get(key)
        if cached is not None:
            return cached
        parts = self.items(value)
        if parts is None:
            text = self.scalar(value)
        else:
            open_, close, kids = parts
            inner = ", ".join((kw or "") + self.flat(v) for kw, v in kids)
            if open_ == "(" and len(kids) == 1:
                inner += ","
            text = open_ + inner + close
        if type(value) not in LEAF_TYPES:
            self._flat[key] = text
        return text

    def layout(self, value: Any, indent: int, used: int) -> str:
        """Text for ``value`` starting at column ``used`` on a line indented by ``indent``."""
        text = self.flat(value)
        if self.compact or used + len(text) <= self.width:
            return text
        parts = self.items(value)
        if parts is None or not parts[2]:
            return text
        open_, close, kids = parts
        pad = " " * (indent + 4)
        lines = [open_]
        for kw, v in kids:
            prefix = kw or ""
            lines.append(pad + prefix + self.layout(v, indent + 4, indent + 4 + len(prefix)) + ",")
        lines.append(" " * indent + close)
        return "\n".join(lines)


def _same(a: Any, b: Any) -> bool:
    from graftlab.symbolic.equality import eq

    return eq(a, b)


def format_value(
    value: Any,
    *,
    width: int = 88,
    hide_defaults: bool = False,
    compact: bool = False,
    name_of: NameOf = _default_name,
    indent: int = 0,
) -> str:
    """Canonical text for ``value`` (see the module doc)."""
    f = Formatter(width=width, hide_defaults=hide_defaults, name_of=name_of, compact=compact)
    return f.layout(value, indent, indent)

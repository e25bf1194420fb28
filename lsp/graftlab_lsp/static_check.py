"""Diagnostics from the static index alone, for restricted workspaces (nothing imported).

What the index can decide without running the loader: names that are neither imported nor
assigned, arguments a (completely known) class does not take, values outside a ``Literal``
or enum's choices, unknown patch rules and base experiments. The messages are the loader's,
so quick fixes work the same; anything the index cannot decide is left to a trusted check.
"""

from __future__ import annotations

import ast
import difflib
from typing import Any

from graftlab.io.syntax import CallE, DictE, DottedE, Expr, KwArg, ListE, Lit, NameE, TupleE, parse
from graftlab_lsp.context import imports
from graftlab_lsp.features.search_space import check_hyper, hyper_kind
from graftlab_lsp.model import span_diag as _span_diag
from graftlab_lsp.names import resolve_name


def _hint(name: str, candidates: list[str], n: int = 1) -> str:
    close = difflib.get_close_matches(name, candidates, n=n)
    if not close:
        return ""
    return "; did you mean " + " or ".join(repr(c) for c in close) + "?"


def _literal(source: str) -> Any:
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None


def index_diagnostics(index: Any, text: str) -> list[Any]:
    """Diagnostics (``Diag``) the static index can decide for an experiment file."""
    if index is None:
        return []
    module, errors, _src = parse(text)
    if errors:
        return []  # the parser's own errors come first; they are reported already
    table = imports(text)
    assigned: set[str] = set()
    out: list[Any] = []

    def names(e: NameE | DottedE) -> str:
        return e.name if isinstance(e, NameE) else ".".join(e.parts)

    def visit(e: Expr, kw: KwArg | None = None) -> None:
        if isinstance(e, CallE):
            call(e)
        elif isinstance(e, (ListE, TupleE)):
            for x in e.items:
                visit(x)
        elif isinstance(e, DictE):
            for v in e.values:
                visit(v)
        elif isinstance(e, (NameE, DottedE)):
            head = e.name if isinstance(e, NameE) else e.parts[0]
            if head not in table and head not in assigned:
                out.append(_unknown(e, head))

    def _unknown(e: Expr, head: str) -> Any:
        return _span_diag(
            e.span,
            f"unknown name {head!r}: it is neither imported nor assigned earlier"
            + _hint(head, [*table, *assigned]),
            code="unknown-name"
            if "did you mean" not in _hint(head, [*table, *assigned])
            else "did-you-mean",
        )

    def call(e: CallE) -> None:
        callee = names(e.callee)
        head = callee.split(".")[0]
        if callee.split(".")[-1] == "Derived":
            derived(e)
        if head not in table:
            out.append(_unknown(e.callee, head))
        else:
            info = resolve_name(index, text, callee)
            if info is not None:
                check_args(info, e)
        for a in e.args:
            visit(a)
        for k in e.kwargs:
            visit(k.value, k)

    def check_args(info: Any, e: CallE) -> None:
        known = {a.name: a for a in info.args}
        for k in e.kwargs:
            arg = known.get(k.name)
            if arg is None:
                if info.complete and not info.var_keyword and k.name not in info.runtime:
                    hint = _hint(k.name, list(known))
                    out.append(
                        _span_diag(
                            k.name_span,
                            f"{info.name} has no argument {k.name!r}{hint} "
                            f"(arguments: {', '.join(known) or 'none'})",
                            code="did-you-mean" if hint else "",
                        )
                    )
                continue
            choice(arg, k.value)
            out.extend(check_hyper(index, text, arg, k.value, table))
            chain = info.name == "Derived" and k.name == "patches"  # checked by ``derived``
            if isinstance(k.value, (ListE, TupleE)) and not chain:
                for item in k.value.items:
                    out.extend(check_hyper(index, text, arg, item, table, element=True))

    def choice(arg: Any, value: Expr) -> None:
        """A value outside a ``Literal``'s strings or an enum's members (the loader's words)."""
        if not arg.choices:
            return
        if isinstance(value, Lit) and isinstance(value.value, str):
            strings = [_literal(c) for c in arg.choices]
            options = [v for v in strings if isinstance(v, str)]
            if options and len(options) == len(strings) and value.value not in options:
                out.append(
                    _span_diag(
                        value.span,
                        f"expected one of {', '.join(repr(v) for v in options)}, "
                        f"got {value.value!r}",
                    )
                )
        elif isinstance(value, DottedE) and len(value.parts) == 2:
            local, member = value.parts
            origin = table.get(local)
            enum = origin[1] if origin is not None and origin[1] else local
            members = [c.split(".", 1)[1] for c in arg.choices if c.startswith(enum + ".")]
            if members and member not in members:
                hint = _hint(member, members)
                out.append(
                    _span_diag(
                        value.span,
                        f"{local} has no member {member!r}{hint}",
                        code="did-you-mean" if hint else "",
                    )
                )

    def derived(e: CallE) -> None:
        for k in e.kwargs:
            if k.name == "base" and isinstance(k.value, Lit) and isinstance(k.value.value, str):
                base = k.value.value
                if base not in index.experiments:
                    out.append(
                        _span_diag(
                            k.value.span,
                            f"no experiment named {base!r}" + _hint(base, list(index.experiments)),
                            code="did-you-mean" if _hint(base, list(index.experiments)) else "",
                        )
                    )
            if k.name == "patches" and isinstance(k.value, (ListE, TupleE)):
                for item in _chain_items(k.value.items):
                    if isinstance(item, Lit) and isinstance(item.value, str):
                        name = item.value.partition("?")[0]
                        if name and name not in index.rules:
                            hint = _hint(name, list(index.rules), 3)
                            out.append(
                                _span_diag(
                                    item.span,
                                    f"no patch rule named {name!r}{hint}",
                                    code="did-you-mean" if hint else "",
                                )
                            )

    def _chain_items(items: list[Expr]) -> list[Expr]:
        """A chain's entries, with the candidates of its ``oneof``/``manyof`` entries."""
        out_items: list[Expr] = []
        for item in items:
            if isinstance(item, CallE):
                callee = names(item.callee)
                kind = hyper_kind(index, text, callee)
                at = {"oneof": 0, "manyof": 1}.get(kind or "")
                if at is not None and len(item.args) > at:
                    inner = item.args[at]
                    if isinstance(inner, (ListE, TupleE)):
                        out_items += _chain_items(inner.items)
                    continue
            out_items.append(item)
        return out_items

    for a in module.assigns:
        visit(a.value)
        assigned.add(a.name)
    return out

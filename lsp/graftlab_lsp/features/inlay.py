"""Inlay hints on a derived experiment: beside each patch URI, the values its rule set in the
materialized experiment (``layers[0].features = 48``), with the rule in the tooltip.

The facts come from the worker's check (the provenance the patch chain records on each value
it writes), so hints exist only where the loader ran: a trusted root. A restricted root has
no worker and shows none (nothing of the workspace may be imported to apply a rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graftlab.io.syntax import CallE, Expr, ListE, Lit, TupleE, parse

MAX_PER_URI = 8


@dataclass
class Hint:
    """A hint at a 0-based (line, column): its label and tooltip."""

    line: int
    column: int
    label: str
    tooltip: str


def _patch_items(text: str) -> list[Lit]:
    """The string items of the ``patches=[...]`` of the file's ``Derived`` calls, in order."""
    module, _errors, _src = parse(text)
    items: list[Lit] = []

    def visit(e: Expr) -> None:
        if isinstance(e, CallE):
            for k in e.kwargs:
                if k.name == "patches" and isinstance(k.value, (ListE, TupleE)):
                    items.extend(x for x in k.value.items if isinstance(x, Lit))
                else:
                    visit(k.value)
            for a in e.args:
                visit(a)
        elif isinstance(e, (ListE, TupleE)):
            for x in e.items:
                visit(x)

    for a in module.assigns:
        if a.name == "experiment":
            visit(a.value)
    return items


def inlay_hints(
    text: str, derived: dict[str, Any] | None, first_line: int = 0, last_line: int | None = None
) -> list[Hint]:
    """The hints of lines ``first_line..last_line`` (0-based, inclusive) of a derived file.

    ``derived`` is the worker's answer for the last checked version; each provenance names
    the URI's place in the chain, so the hint stays beside its URI while other lines change.
    """
    if not derived or not derived.get("provenance"):
        return []
    items = _patch_items(text)
    values: dict[str, str] = derived.get("values", {})
    by_position: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for path, prov in derived["provenance"].items():
        by_position.setdefault(int(prov.get("position", -1)), []).append((path, prov))
    out: list[Hint] = []
    for position, written in sorted(by_position.items()):
        if not 0 <= position < len(items):
            continue
        lit = items[position]
        if lit.value != written[0][1].get("uri"):
            continue  # the list was edited since the check: wait for the next one
        line = lit.span.end_line - 1
        if line < first_line or (last_line is not None and line > last_line):
            continue
        rule = written[0][1].get("rule", "")
        for path, prov in sorted(written)[:MAX_PER_URI]:
            shown = values.get(path, "?")
            out.append(
                Hint(
                    line,
                    lit.span.end_column,
                    f"{path or '<root>'} = {shown}",
                    f"set by `{prov.get('uri')}` (rule `{rule}`, #{position} of the chain)",
                )
            )
        if len(written) > MAX_PER_URI:
            out.append(Hint(line, lit.span.end_column, f"+{len(written) - MAX_PER_URI} more", rule))
    return out

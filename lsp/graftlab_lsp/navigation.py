"""Workspace symbols (experiments and patch rules) and document links (base names and patch
URIs), from the static index: pure functions over text and the index, no LSP in them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graftlab.io.syntax import CallE, Expr, ListE, Lit, TupleE, parse


@dataclass
class Target:
    """A place in a file: path (relative to the root or absolute), 0-based line, column."""

    file: str
    line: int
    column: int = 0


@dataclass
class WorkspaceSymbol:
    name: str
    kind: str  # experiment | rule | class
    target: Target
    container: str = ""


@dataclass
class Link:
    line: int
    column: int
    end_line: int
    end_column: int
    target: Target
    tooltip: str


def workspace_symbols(index: Any, query: str, limit: int = 200) -> list[WorkspaceSymbol]:
    """Experiments and patch rules whose name holds the query's characters in order."""
    if index is None:
        return []
    q = query.lower()

    def match(name: str) -> bool:
        it = iter(name.lower())
        return all(ch in it for ch in q)

    out: list[WorkspaceSymbol] = []
    for name, e in sorted(index.experiments.items()):
        if match(name):
            out.append(WorkspaceSymbol(name, "experiment", Target(e.file, 0), e.base or ""))
    for name, r in sorted(index.rules.items()):
        if match(name):
            loc = r.location
            out.append(
                WorkspaceSymbol(
                    name, "rule", Target(loc.file, max(0, loc.line - 1), loc.column), r.function
                )
            )
    return out[:limit]


def document_links(index: Any, text: str) -> list[Link]:
    """Links from ``base="name"`` to the experiment's file and from patch URIs to their rule."""
    if index is None:
        return []
    module, _errors, _src = parse(text)
    out: list[Link] = []

    def link(lit: Lit, target: Target, tooltip: str) -> None:
        s = lit.span
        # inside the quotes
        out.append(
            Link(
                s.line - 1,
                s.column + 1,
                s.end_line - 1,
                max(s.column + 1, s.end_column - 1),
                target,
                tooltip,
            )
        )

    def visit(e: Expr) -> None:
        if isinstance(e, CallE):
            for k in e.kwargs:
                if k.name == "base" and isinstance(k.value, Lit) and isinstance(k.value.value, str):
                    exp = index.experiments.get(k.value.value)
                    if exp is not None:
                        link(k.value, Target(exp.file, 0), f"experiment {exp.name}")
                elif k.name == "patches" and isinstance(k.value, (ListE, TupleE)):
                    for item in k.value.items:
                        if isinstance(item, Lit) and isinstance(item.value, str):
                            rule = index.rules.get(item.value.partition("?")[0])
                            if rule is not None:
                                loc = rule.location
                                link(
                                    item,
                                    Target(loc.file, max(0, loc.line - 1), loc.column),
                                    f"patch rule {rule.name}",
                                )
                visit(k.value)
            for a in e.args:
                visit(a)
        elif isinstance(e, (ListE, TupleE)):
            for x in e.items:
                visit(x)

    for a in module.assigns:
        visit(a.value)
    return out

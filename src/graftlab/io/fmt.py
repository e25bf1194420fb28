"""``graft fmt``: rewrite an experiment file into canonical form, keeping what was written.

Unlike ``dumps`` (which writes objects and so omits defaults), formatting works on the
file's syntax tree: every written argument stays, references to earlier names stay, the
module docstring and comments stay. Arguments are put in signature order, positional ones
become keywords where the signature allows, imports are sorted and unused ones dropped,
and the layout is the writer's.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from graftlab.io.loader import LoadedFile, loads_file
from graftlab.io.syntax import (
    AssignS,
    BulkE,
    CallE,
    DictE,
    DottedE,
    Expr,
    FromS,
    ImportS,
    ListE,
    Lit,
    NameE,
    TupleE,
    comments,
)
from graftlab.io.writer import WIDTH, docstring_literal, from_import_lines, scalar_text
from graftlab.symbolic.formatting import Formatter
from graftlab.symbolic.schema import POSITIONAL_ONLY

_NEVER_FITS = "\n" * 2


@dataclass
class _Notes:
    before: dict[int, list[str]] = field(default_factory=dict)  # id(expr) -> own-line comments
    after: dict[int, str] = field(default_factory=dict)  # id(expr) -> end-of-line comment
    closing: dict[int, list[str]] = field(
        default_factory=dict
    )  # id(container) -> comments before close
    has: set[int] = field(default_factory=set)  # ids of exprs that contain comments


class _IRFormatter(Formatter):
    def __init__(self, loaded: LoadedFile, notes: _Notes, width: int) -> None:
        super().__init__(width=width, leaf=scalar_text)
        self.loaded = loaded
        self.notes = notes
        self.kw_order: dict[int, list[tuple[str | None, Expr]]] = {}
        self.expanded: dict[int, Expr] = {}

    def kids(self, e: Expr) -> tuple[str, str, list[tuple[str | None, Expr]]] | None:
        if isinstance(e, BulkE):  # a long literal the loader parsed at C speed: as written
            expanded = self.expanded.get(id(e))
            if expanded is None:
                expanded = self.expanded[id(e)] = e.expr()
            e = expanded
        if isinstance(e, ListE):
            return "[", "]", [(None, x) for x in e.items]
        if isinstance(e, TupleE):
            return "(", ")", [(None, x) for x in e.items]
        if isinstance(e, DictE):
            return (
                "{",
                "}",
                [(scalar_text(k) + ": ", v) for (k, _), v in zip(e.keys, e.values, strict=True)],
            )  # type: ignore[operator]
        if isinstance(e, CallE) and not _special_float(e):
            return _spell(e.callee) + "(", ")", self.call_args(e)
        return None

    def call_args(self, e: CallE) -> list[tuple[str | None, Expr]]:
        cached = self.kw_order.get(id(e))
        if cached is not None:
            return cached
        schema = _schema_for(self.loaded, e.callee)
        if schema is None:
            out = [(None, a) for a in e.args] + [(k.name + "=", k.value) for k in e.kwargs]
        else:
            named: dict[str, Expr] = {}
            leading: list[Expr] = []
            rest: list[Expr] = []
            for i, a in enumerate(e.args):
                if i < len(schema.positional):
                    name = schema.positional[i]
                    f = schema.fields[name]
                    if f.kind == POSITIONAL_ONLY or schema.var_positional is not None:
                        leading.append(a)
                    else:
                        named[name] = a
                else:
                    rest.append(a)
            for k in e.kwargs:
                named[k.name] = k.value
            order = {n: i for i, n in enumerate(schema.fields)}
            kws = sorted(named.items(), key=lambda kv: (order.get(kv[0], len(order)), 0))
            out = [(None, a) for a in leading + rest] + [(n + "=", v) for n, v in kws]
        self.kw_order[id(e)] = out
        return out

    def flat(self, value: Any) -> str:
        if id(value) in self.notes.has:
            return _NEVER_FITS
        e = value
        parts = self.kids(e)
        if parts is None:
            return self.scalar_expr(e)
        open_, close, kids = parts
        inner = ", ".join((kw or "") + self.flat(v) for kw, v in kids)
        if isinstance(e, TupleE) and len(kids) == 1:
            inner += ","
        return open_ + inner + close

    def scalar_expr(self, e: Expr) -> str:
        if isinstance(e, Lit):
            return scalar_text(e.value) or repr(e.value)
        if isinstance(e, (NameE, DottedE)):
            return _spell(e)
        if isinstance(e, CallE) and _special_float(e):
            return f'float("{e.args[0].value}")'  # type: ignore[attr-defined]
        raise TypeError(e)

    def layout(self, value: Any, indent: int, used: int) -> str:
        text = self.flat(value)
        if _NEVER_FITS not in text and used + len(text) <= self.width:
            return text
        parts = self.kids(value)
        if parts is None:
            return text
        open_, close, kids = parts
        if not kids and not self.notes.closing.get(id(value)):
            return open_ + close  # an empty container never splits, however long the line
        pad = " " * (indent + 4)
        lines = [open_]
        for kw, v in kids:
            for c in self.notes.before.get(id(v), ()):
                lines.append(pad + c)
            prefix = kw or ""
            line = pad + prefix + self.layout(v, indent + 4, indent + 4 + len(prefix)) + ","
            eol = self.notes.after.get(id(v))
            lines.append(line + ("  " + eol if eol else ""))
        for c in self.notes.closing.get(id(value), ()):
            lines.append(pad + c)
        lines.append(" " * indent + close)
        return "\n".join(lines)


def _special_float(e: CallE) -> bool:
    """``float("inf")``, ``float("-inf")`` or ``float("nan")``: a literal, never split."""
    return (
        isinstance(e.callee, NameE)
        and e.callee.name == "float"
        and len(e.args) == 1
        and not e.kwargs
        and isinstance(e.args[0], Lit)
    )


def _spell(e: NameE | DottedE) -> str:
    return e.name if isinstance(e, NameE) else ".".join(e.parts)


def _schema_for(loaded: LoadedFile, callee: NameE | DottedE) -> Any:
    parts = [callee.name] if isinstance(callee, NameE) else callee.parts
    obj = loaded.imports.get(parts[0])
    for p in parts[1:]:
        obj = getattr(obj, p, None)
    return getattr(obj, "__dict__", {}).get("__sym_schema__")


def _children(e: Expr) -> list[tuple[Any, Expr]]:
    """(span to start a child at, child) for every direct child of a container."""
    if isinstance(e, (ListE, TupleE)):
        return [(x.span, x) for x in e.items]
    if isinstance(e, DictE):
        return [(kspan, v) for (_, kspan), v in zip(e.keys, e.values, strict=True)]
    if isinstance(e, CallE):
        return [(a.span, a) for a in e.args] + [(k.name_span, k.value) for k in e.kwargs]
    return []


def _attach_comments(
    assign: AssignS, found: list[tuple[int, int, str, bool]], notes: _Notes
) -> None:
    """Attach comments inside an assignment to the argument or item they belong to."""
    containers: list[tuple[Expr, list[Expr]]] = []
    starts: list[tuple[int, int, int, Expr, Expr]] = []  # (line, col, depth, child, parent)

    def visit(e: Expr, depth: int, chain: list[Expr]) -> None:
        kids = _children(e)
        if kids or isinstance(e, (ListE, TupleE, DictE, CallE)):
            containers.append((e, chain))
        for start, child in kids:
            starts.append((start.line, start.column, depth, child, e))
            visit(child, depth + 1, [*chain, e])

    visit(assign.value, 0, [])
    starts.sort(key=lambda s: (s[0], s[2], s[1]))
    lines = [s[0] for s in starts]
    for line, _col, text, alone in found:
        target = None
        if not alone and assign.value.span.end_line == line:
            # After the whole statement: it stays at the end of the statement.
            notes.after[id(assign.value)] = text
            continue
        if not alone:
            # End-of-line comment: the last of the outermost children that end on this line.
            best = None
            for _l, _c, depth, child, _p in starts:
                if child.span.end_line == line and (
                    best is None
                    or depth < best[0]
                    or (depth == best[0] and child.span.end_column > best[1].span.end_column)
                ):
                    best = (depth, child)
            if best is not None:
                notes.after[id(best[1])] = text
                _mark(best[1], assign.value, notes)
                continue
        i = bisect.bisect_right(lines, line)
        if i < len(starts):
            cand = starts[i]
            # the child must sit inside the innermost container that holds the comment
            holder = _innermost_container(containers, line)
            if holder is None or cand[4] is holder or _within(cand[4], holder):
                target = cand[3]
        if target is not None:
            notes.before.setdefault(id(target), []).append(text)
            _mark(target, assign.value, notes)
            continue
        holder = _innermost_container(containers, line) or assign.value
        notes.closing.setdefault(id(holder), []).append(text)
        notes.has.add(id(holder))
        _mark(holder, assign.value, notes)


def _within(inner: Expr, outer: Expr) -> bool:
    a, b = inner.span, outer.span
    return (a.line, a.column) >= (b.line, b.column) and (a.end_line, a.end_column) <= (
        b.end_line,
        b.end_column,
    )


def _innermost_container(containers: list[tuple[Expr, list[Expr]]], line: int) -> Expr | None:
    best = None
    for e, _chain in containers:
        if e.span.line < line < e.span.end_line or (
            e.span.line <= line <= e.span.end_line and e.span.line != e.span.end_line
        ):
            if best is None or _within(e, best):
                best = e
    return best


def _mark(target: Expr, root: Expr, notes: _Notes) -> None:
    """Every container on the way from ``root`` to ``target`` must be laid out on lines."""

    def walk(e: Expr) -> bool:
        if e is target:
            return True
        for _s, child in _children(e):
            if walk(child):
                notes.has.add(id(e))
                return True
        return False

    walk(root)


def format_text(
    text: str,
    *,
    file: str = "<string>",
    allowed_modules: Any = None,
    base_dir: Any = None,
    width: int = WIDTH,
) -> str:
    """The canonical form of an experiment file's text (it must load without errors)."""
    loaded = loads_file(text, file=file, allowed_modules=allowed_modules, base_dir=base_dir)
    module = loaded.module
    found = comments(text)
    notes = _Notes()
    stmt_leading: dict[int, list[str]] = {}
    header: list[str] = []
    trailing: list[str] = []
    assigns = module.assigns
    for c in found:
        line = c[0]
        if (
            module.docstring_span
            and module.docstring_span.line <= line <= module.docstring_span.end_line
        ):
            continue
        owner = next((a for a in assigns if a.span.line <= line <= a.span.end_line), None)
        if owner is not None:
            _attach_comments(owner, [c], notes)
            continue
        nxt = next((i for i, a in enumerate(assigns) if a.span.line > line), None)
        if nxt is None:
            trailing.append(c[2])
        elif (
            assigns
            and all(a.span.line > line for a in assigns)
            and any(imp.span.line >= line for imp in module.imports)
        ):
            header.append(c[2])
        else:
            stmt_leading.setdefault(nxt, []).append(c[2])
    fmt = _IRFormatter(loaded, notes, width)
    parts: list[str] = []
    if module.docstring is not None:
        parts.append(docstring_literal(module.docstring))
    if header:
        parts.append("\n".join(header))
    imports = _imports(loaded, fmt)
    if imports:
        parts.append("\n".join(imports))
    for i, a in enumerate(assigns):
        prefix = f"{a.name} = "
        block = [*stmt_leading.get(i, []), prefix + fmt.layout(a.value, 0, len(prefix))]
        if id(a.value) in notes.after:
            block[-1] += "  " + notes.after[id(a.value)]
        parts.append("\n".join(block))
    if trailing:
        parts.append("\n".join(trailing))
    return "\n\n".join(parts) + "\n" if parts else ""  # an empty file stays empty


def _used_names(loaded: LoadedFile) -> set[str]:
    used: set[str] = set()

    def visit(e: Expr) -> None:
        if isinstance(e, NameE):
            used.add(e.name)
        elif isinstance(e, DottedE):
            used.add(e.parts[0])
        elif isinstance(e, CallE):
            visit(e.callee)
        for _s, child in _children(e):
            visit(child)

    for a in loaded.module.assigns:
        visit(a.value)
    return used


def _imports(loaded: LoadedFile, fmt: _IRFormatter) -> list[str]:
    used = _used_names(loaded)
    plain: set[str] = set()
    froms: dict[str, set[str]] = {}
    for imp in loaded.module.imports:
        if isinstance(imp, ImportS):
            if imp.bound_name in used:
                plain.add(
                    f"import {imp.module} as {imp.alias}" if imp.alias else f"import {imp.module}"
                )
        else:
            assert isinstance(imp, FromS)
            for name, alias, _span in imp.names:
                if (alias or name) in used:
                    froms.setdefault(imp.module, set()).add(f"{name} as {alias}" if alias else name)
    out = sorted(plain)
    for module in sorted(froms):
        names = sorted(froms[module], key=lambda n: n.split(" ")[0])
        out.extend(from_import_lines(module, names, fmt.width))
    return out

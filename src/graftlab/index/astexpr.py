"""Annotation parsing: an ``ast`` expression → its type expression (see ``typeexpr``), and a
node's source text as the index records it.

Used by the scanner only. Every node is read with an *anchor*: an offset before the
delimiter that precedes it in its parent (see ``SourceText.own_start``), so that the
parentheses wrapping a node are counted as its own (``(1)`` is recorded as ``(1)``).
"""

from __future__ import annotations

import ast

from graftlab.index.sourcetext import SourceText
from graftlab.index.typeexpr import TypeExpr, dotted


class Exprs:
    """Reads the expressions of one module. The scanner sets ``stmt`` to the statement
    being read: its indentation is dropped from the continuation lines of a node's source."""

    def __init__(self, src: SourceText) -> None:
        self.src = src
        self.stmt: ast.stmt | None = None  # the statement being read (for its indentation)

    # --- positions and source ------------------------------------------------------------

    def start(self, node: ast.AST) -> int:
        return self.src.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.src.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def source(self, node: ast.AST, anchor: int, opened: int = 0) -> str:
        """The source of ``node`` with its own parentheses."""
        start, end = self.start(node), self.end(node)
        first, count = self.src.own_start(anchor, start, opened)
        if count:
            end = self.src.close_after(end, count)
        return self.src.segment(first, end, self._indent(first, end))

    def _indent(self, start: int, end: int) -> str:
        text = self.src.text
        if self.stmt is None or ("\n" not in text[start:end] and "\r" not in text[start:end]):
            return ""
        return self.src.indent_at(self.stmt.lineno, self.stmt.col_offset)

    def parenthesized(self, node: ast.Tuple) -> bool:
        """Whether a tuple is written in its own parentheses (``(a, b)``, not ``(a), b``)."""
        start = self.start(node)
        if self.src.text[start] != "(":
            return False
        return self.src.matching(start) == self.end(node) - 1

    def concatenated(self, node: ast.expr) -> bool:
        """Whether a string node is an implicit concatenation (``"a" "b"``)."""
        return self.src.string_count(self.start(node), self.end(node)) > 1

    # --- type expressions ----------------------------------------------------------------

    def convert(self, node: ast.expr, anchor: int, opened: int = 0) -> TypeExpr:
        """The type expression of an annotation (or of a value inside one)."""
        if isinstance(node, ast.Constant):
            value = node.value
            if value is Ellipsis:
                return ["e"]
            if value is None or isinstance(value, bool):
                name = repr(value)
                return ["l", name, name, None]
            text = self.source(node, anchor, opened)
            return ["l", text, repr(value), value if isinstance(value, str) else None]
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub | ast.UAdd)
            and isinstance(node.operand, ast.Constant)
            and type(node.operand.value) in (int, float)
        ):
            text = self.source(node, anchor, opened)
            value = node.operand.value
            value = -value if isinstance(node.op, ast.USub) else +value
            return ["l", text, repr(value), None]
        name = dotted(node)
        if name is not None:
            return ["d", name]
        if isinstance(node, ast.Subscript):
            head = self.convert(node.value, self.start(node))
            s = node.slice
            items = (
                s.elts if isinstance(s, ast.Tuple) and s.elts and not self.parenthesized(s) else [s]
            )
            args: list[TypeExpr] = []
            at = self.end(node.value)
            for item in items:
                if isinstance(item, ast.Slice):
                    args.append(["?", self.source(item, at)])
                elif isinstance(item, ast.Starred):
                    args.append(self.convert(item.value, self.start(item)))
                else:
                    args.append(self.convert(item, at))
                at = self.end(item)
            return ["s", head, args]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            opts: list[TypeExpr] = []
            at = self.start(node)
            for side in (node.left, node.right):
                sub = self.convert(side, at)
                opts.extend(sub[1] if sub[0] == "u" else [sub])
                at = self.end(side)
            return ["u", opts]
        if isinstance(node, ast.List | ast.Tuple):
            at = self.start(node)
            if isinstance(node, ast.List) or self.parenthesized(node):
                at += 1
            elements: list[TypeExpr] = []
            for e in node.elts:
                inner = e.value if isinstance(e, ast.Starred) else e
                elements.append(self.convert(inner, self.start(e) if inner is not e else at))
                at = self.end(e)
            return ["L" if isinstance(node, ast.List) else "T", elements]
        if isinstance(node, ast.Call):
            func = self.convert(node.func, self.start(node))
            pos: list[TypeExpr] = []
            kws: list[TypeExpr] = []
            at, opened_here = self.end(node.func), 1
            for arg in call_arguments(node):
                if isinstance(arg, ast.keyword):
                    if arg.arg is not None:
                        kws.append([arg.arg, self.convert(arg.value, self.start(arg))])
                elif not isinstance(arg, ast.Starred):
                    pos.append(self.convert(arg, at, opened_here))
                at, opened_here = self.end(arg), 0
            return ["c", func, pos, kws]
        return ["?", self.source(node, anchor, opened)]


def call_arguments(node: ast.Call) -> list[ast.expr | ast.keyword]:
    """A call's arguments and keywords in source order."""
    if not node.keywords:
        return list(node.args)
    if not node.args:
        return list(node.keywords)
    items: list[ast.expr | ast.keyword] = [*node.args, *node.keywords]
    items.sort(key=lambda a: (a.lineno, a.col_offset))
    return items

"""Annotation parsing: a libcst expression → its type expression (see ``typeexpr``).

Used by the scanner only: resolving and translating type expressions never needs libcst.
"""

from __future__ import annotations

import ast

import libcst as cst

from graftlab.index.typeexpr import TypeExpr

_EMPTY = cst.Module(body=[])


def source_of(node: cst.CSTNode) -> str:
    """The source text of a node (no position metadata needed)."""
    return _EMPTY.code_for_node(node)


def _dotted(node: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _literal(node: cst.BaseExpression) -> TypeExpr | None:
    if isinstance(
        node, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString | cst.ConcatenatedString
    ) or (
        isinstance(node, cst.UnaryOperation)
        and isinstance(node.operator, cst.Minus | cst.Plus)
        and isinstance(node.expression, cst.Integer | cst.Float)
    ):
        text = source_of(node)
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError, MemoryError):
            return ["?", text]
        return ["l", text, repr(value), value if isinstance(value, str) else None]
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return ["l", node.value, node.value, None]
    return None


def convert(node: cst.BaseExpression) -> TypeExpr:
    """The type expression of an annotation (or of a value inside one)."""
    lit = _literal(node)
    if lit is not None:
        return lit
    name = _dotted(node)
    if name is not None:
        return ["d", name]
    if isinstance(node, cst.Subscript):
        head = convert(node.value)
        args: list[TypeExpr] = []
        for el in node.slice:
            s = el.slice
            args.append(convert(s.value) if isinstance(s, cst.Index) else ["?", source_of(s)])
        return ["s", head, args]
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        opts: list[TypeExpr] = []
        for side in (node.left, node.right):
            sub = convert(side)
            opts.extend(sub[1] if sub[0] == "u" else [sub])
        return ["u", opts]
    if isinstance(node, cst.Ellipsis):
        return ["e"]
    if isinstance(node, cst.List):
        return ["L", [convert(e.value) for e in node.elements]]
    if isinstance(node, cst.Tuple):
        return ["T", [convert(e.value) for e in node.elements]]
    if isinstance(node, cst.Call):
        pos = [convert(a.value) for a in node.args if a.keyword is None and not a.star]
        kws = [
            [a.keyword.value, convert(a.value)]
            for a in node.args
            if a.keyword is not None and not a.star
        ]
        return ["c", convert(node.func), pos, kws]
    return ["?", source_of(node)]


def convert_text(text: str) -> TypeExpr:
    """The type expression of a string annotation's text (``"list[Conv]"``)."""
    try:
        return convert(cst.parse_expression(text.strip()))
    except Exception:
        return ["?", text]

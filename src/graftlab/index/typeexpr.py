"""Annotation parsing: a libcst annotation → a compact, JSON-able *type expression*.

Scanning stores these (lists, so the disk cache can hold them); ``annotations`` translates
them into static specs later, with the index's name resolution.

Type expressions::

    ["d", "a.b"]                     a (dotted) name as written in the file
    ["s", head, [arg, ...]]          a subscript ``head[arg, ...]``
    ["u", [opt, ...]]                ``a | b | ...``
    ["l", source, repr, value]       a literal (``value`` only for strings, else None)
    ["L", [item, ...]] / ["T", [...]] a list / tuple display
    ["c", func, [arg, ...], [[key, arg], ...]]   a call (``Annotated`` metadata)
    ["e"]                            ``...``
    ["?", source]                    anything else
"""

from __future__ import annotations

import ast
import functools
from typing import Any

import libcst as cst

TypeExpr = list[Any]
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


def dotted_of(expr: TypeExpr | None) -> str | None:
    """The dotted name of a ``["d", ...]`` expression (``None`` otherwise)."""
    return expr[1] if expr and expr[0] == "d" else None


@functools.lru_cache(maxsize=4096)
def _eval_literal(text: str) -> Any:
    return ast.literal_eval(text.strip())


def literal_value(expr: TypeExpr) -> Any:
    """The Python value of a literal expression (raises ``ValueError`` if it is not one)."""
    if expr[0] == "l":
        return _eval_literal(expr[1])
    if expr[0] in ("L", "T"):
        items = [literal_value(e) for e in expr[1]]
        return items if expr[0] == "L" else tuple(items)
    if expr[0] == "c" and dotted_of(expr[1]) == "float" and len(expr[2]) == 1:
        return float(literal_value(expr[2][0]))
    raise ValueError("not a literal")

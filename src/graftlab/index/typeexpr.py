"""Type expressions: the compact, JSON-able form of an annotation that scanning stores (lists,
so the disk cache can hold them; ``astexpr`` makes them from ``ast`` nodes). ``annotations``
translates them into static specs later, with the index's name resolution.

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

TypeExpr = list[Any]


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


def convert_text(text: str) -> TypeExpr:
    """The type expression of a string annotation's text (``"list[Conv]"``), node for node
    what the libcst scanner gave for the same expression (translation meets these while
    resolving)."""
    source = text.strip()
    try:
        node = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return ["?", text]
    return _from_ast(node, source)


def _from_ast(node: ast.expr, source: str) -> TypeExpr:
    seg = ast.get_source_segment(source, node) or ""
    if isinstance(node, ast.Constant):
        if node.value is Ellipsis:
            return ["e"]
        value = node.value
        return ["l", seg, repr(value), value if isinstance(value, str) else None]
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        value = ast.literal_eval(node)
        return ["l", seg, repr(value), None]
    name = dotted(node)
    if name is not None:
        return ["d", name]
    if isinstance(node, ast.Subscript):
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        args = [
            ["?", ast.get_source_segment(source, s) or ""]
            if isinstance(s, ast.Slice)
            else _from_ast(s, source)
            for s in items
        ]
        return ["s", _from_ast(node.value, source), args]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        opts: list[TypeExpr] = []
        for side in (node.left, node.right):
            sub = _from_ast(side, source)
            opts.extend(sub[1] if sub[0] == "u" else [sub])
        return ["u", opts]
    if isinstance(node, ast.List):
        return ["L", [_from_ast(e, source) for e in node.elts]]
    if isinstance(node, ast.Tuple):
        return ["T", [_from_ast(e, source) for e in node.elts]]
    if isinstance(node, ast.Call):
        pos = [_from_ast(a, source) for a in node.args if not isinstance(a, ast.Starred)]
        kws = [[k.arg, _from_ast(k.value, source)] for k in node.keywords if k.arg is not None]
        return ["c", _from_ast(node.func, source), pos, kws]
    return ["?", seg]


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a name or an attribute chain over a name; ``None`` otherwise."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))

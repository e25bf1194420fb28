"""Finding and rewriting nodes: ``query`` by type, path pattern or predicate; ``transform``.

Path patterns match whole key paths: ``*`` is one name or index (``layers[*].conv``),
``**`` any number of keys (``**.features``). Results come in traversal order (pre-order,
arguments in signature order, list items by index).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any, Literal

from graftlab.symbolic import nodes
from graftlab.symbolic.clone import clone
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES
from graftlab.symbolic.rebind import apply_edits


def walk(root: Any, *, include_root: bool = True) -> Iterator[tuple[KeyPath, Any]]:
    """Every (path, value) under ``root`` in pre-order."""
    stack: list[tuple[KeyPath, Any]] = [(KeyPath(), root)]
    first = True
    while stack:
        path, value = stack.pop()
        if include_root or not first:
            yield path, value
        first = False
        if type(value) in LEAF_TYPES:
            continue
        kids = list(nodes.children(value))
        for key, child in reversed(kids):
            stack.append((path.child(key), child))


# text that means something in a regular expression and nothing in a key-path glob
_REGEX_ONLY = re.compile(r"\\[dws.]|\.\+|^\^|\$$|\(\?|\|")


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(text):
        if text.startswith("**.", i):
            out.append(r"(?:.*\.)?")
            i += 3
        elif text.startswith("**", i):
            out.append(r".*")
            i += 2
        elif text.startswith("[*]", i):
            out.append(r"\[-?\d+\]")
            i += 3
        elif text[i] == "*":
            out.append(r"[^.\[\]]+")
            i += 1
        else:
            out.append(re.escape(text[i]))
            i += 1
    return re.compile("".join(out))


def _predicate(where: Any) -> Callable[[KeyPath, Any], bool]:
    if where is None:
        return lambda p, v: True
    if isinstance(where, type) or (
        isinstance(where, tuple) and all(isinstance(t, type) for t in where)
    ):
        return lambda p, v: isinstance(v, where)
    if callable(where):
        try:
            n = len(inspect.signature(where).parameters)
        except (TypeError, ValueError):
            n = 1
        if n >= 2:
            return where  # type: ignore[no-any-return]
        return lambda p, v: bool(where(v))
    raise TypeError(f"query: 'where' must be a type, a tuple of types or a callable, got {where!r}")


def query(
    root: Any,
    where: Any = None,
    *,
    path: str | None = None,
    include_root: bool = False,
) -> dict[KeyPath, Any]:
    """``{path: value}`` of every node that matches ``where`` and the path pattern."""
    if isinstance(where, str):
        raise TypeError(
            f"query: the second argument is a type or a predicate, not a string ({where!r}); "
            f"to match key paths pass path={where!r}: a glob (* one key, ** any keys, [*] any "
            "index), not a regular expression"
        )
    if path is not None and _REGEX_ONLY.search(path):
        raise ValueError(
            f"query: path={path!r} looks like a regular expression; it is a glob: * one key, "
            "** any keys, [*] any index (e.g. 'layers[*].conv', '**.features')"
        )
    pred = _predicate(where)
    rx = _pattern(path) if path is not None else None
    out: dict[KeyPath, Any] = {}
    for p, v in walk(root, include_root=include_root):
        if rx is not None and not rx.fullmatch(str(p)):
            continue
        if pred(p, v):
            out[p] = v
    return out


def transform(
    root: Any,
    fn: Callable[[KeyPath, Any], Any],
    *,
    order: Literal["top_down", "bottom_up"] = "top_down",
    inplace: bool = False,
) -> Any:
    """Rewrite a tree with ``fn(path, value) -> new value`` (return ``value`` to keep it).

    Top-down does not descend into a value that ``fn`` replaced; bottom-up gives ``fn`` each
    node after its children were rewritten. Returns a new tree unless ``inplace``.
    """
    tree = root if inplace else clone(root)
    if order == "top_down":
        edits: list[tuple[KeyPath, Any]] = []

        def visit(node: Any, p: KeyPath) -> None:
            for key, value in list(nodes.children(node)):
                cp = p.child(key)
                new = fn(cp, value)
                if new is not value:
                    edits.append((cp, new))
                elif type(value) not in LEAF_TYPES:
                    visit(value, cp)

        visit(tree, KeyPath())
        if edits:
            apply_edits(tree, edits)
        return tree
    if order != "bottom_up":
        raise ValueError(f"transform: order must be 'top_down' or 'bottom_up', got {order!r}")

    def post(node: Any, p: KeyPath) -> None:
        for key, _ in list(nodes.children(node)):
            cp = p.child(key)
            child = nodes.get_child(node, key)
            if type(child) not in LEAF_TYPES:
                post(child, cp)
            child = nodes.get_child(node, key)
            new = fn(cp, child)
            if new is not child:
                apply_edits(tree, [(cp, new)])

    post(tree, KeyPath())
    return tree

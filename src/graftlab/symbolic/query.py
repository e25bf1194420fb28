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
from graftlab.symbolic.nodes import LEAF_TYPES, ObjState, SymDict, SymList
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


def _kids(node: Any) -> Iterator[tuple[Any, Any]] | None:
    """Like ``nodes.children`` (``None`` for a value with nothing under it)."""
    t = type(node)
    if t is SymList:
        return enumerate(list.__iter__(node))
    d = getattr(node, "__dict__", None)
    if d is not None:
        st = d.get("_sym_")
        if type(st) is ObjState:
            return iter(st.args.items())
    if t is SymDict:
        return iter(dict.items(node))
    if isinstance(node, (SymList, SymDict, tuple)):
        return nodes.children(node)
    return None


def _select(
    root: Any, types: tuple[type, ...], leaves: bool, include_root: bool
) -> dict[KeyPath, Any]:
    """Pre-order selection of instances of ``types``: key paths are built for matches only.

    ``leaves=False`` says that no leaf value can match (none of ``types`` is a leaf type).
    """
    out: dict[KeyPath, Any] = {}
    if include_root and isinstance(root, types):
        out[KeyPath()] = root
    first = _kids(root)
    if first is None:
        return out
    keys: list[Any] = []
    stack = [first]
    leaf = LEAF_TYPES
    while stack:
        for key, v in stack[-1]:
            if type(v) in leaf:
                if leaves and isinstance(v, types):
                    out[KeyPath((*keys, key))] = v
                continue
            if isinstance(v, types):
                out[KeyPath((*keys, key))] = v
            kids = _kids(v)
            if kids is not None:
                keys.append(key)
                stack.append(kids)
                break
        else:
            stack.pop()
            if keys:
                keys.pop()
    return out


def _types_of(where: Any) -> tuple[type, ...] | None:
    """The types ``where`` selects by, when it is a type or a tuple of types."""
    if isinstance(where, type):
        return (where,)
    if isinstance(where, tuple) and where and all(isinstance(t, type) for t in where):
        return where
    return None


def query(
    root: Any,
    where: Any = None,
    *,
    path: str | None = None,
    include_root: bool = False,
    role: str | None = None,
) -> dict[KeyPath, Any]:
    """``{path: value}`` of every node that matches ``where`` and the path pattern.

    With ``role``, only objects whose class plays that role match, and each value is its
    role view (``graftlab.symbolic.roles.RoleView``).
    """
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
    if role is not None:
        from graftlab.symbolic.roles import query_roles

        views = query_roles(root, role, include_root=include_root)
        rx_ = _pattern(path) if path is not None else None
        pred_ = _predicate(where)
        return {
            p: v
            for p, v in views.items()
            if (rx_ is None or rx_.fullmatch(str(p))) and pred_(p, v.obj)
        }
    if path is None:
        types = _types_of(where)
        if types is not None:
            leaves = any(issubclass(lt, t) for lt in LEAF_TYPES for t in types)
            return _select(root, types, leaves, include_root)
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

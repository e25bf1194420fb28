"""``rebuild``: a fresh object from an object's edited arguments (live objects' ``rebind``).

Editing a live object in place is refused (its weights or later state would go stale);
``gl.rebuild(obj, {"layers[0].features": 64}, depth=3)`` instead reads the arguments of the
whole tree, applies the edits to that description, and constructs every object again,
bottom-up, through its symbolic constructor (so each value is validated as at creation).
The original is untouched; the result shares no symbolic node with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.errors import KeyPathError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES
from graftlab.symbolic.rebind import Insert
from graftlab.symbolic.schema import MISSING


class _Desc:
    """An object to construct: its class, arguments and runtime arguments."""

    __slots__ = ("args", "cls", "runtime")

    def __init__(self, cls: type, args: dict[str, Any], runtime: dict[str, Any] | None) -> None:
        self.cls = cls
        self.args = args
        self.runtime = runtime


def _describe(value: Any) -> Any:
    t = type(value)
    if t in LEAF_TYPES:
        return value
    if isinstance(value, list):
        return [_describe(v) for v in list.__iter__(value)]
    if isinstance(value, dict):
        return {k: _describe(v) for k, v in dict.items(value)}
    if t is tuple:
        return tuple(_describe(v) for v in value)
    st = nodes.state_of(value)
    if st is not None:
        return _Desc(t, {k: _describe(v) for k, v in st.args.items()}, st.runtime)
    return value


def _set(desc: Any, path: KeyPath, value: Any) -> Any:
    """``desc`` with ``value`` at ``path`` (tuples are replaced, the rest edited in place)."""
    if not path:
        return value
    key, rest = path[0], KeyPath(path[1:])
    if isinstance(desc, _Desc):
        if rest or value is not MISSING:
            if rest and key not in desc.args:
                raise KeyPathError(f"no {key!r} under {desc.cls.__qualname__}", path)
            desc.args[key] = _set(desc.args.get(key), rest, value)  # type: ignore[index]
        else:
            desc.args.pop(key, None)  # type: ignore[call-overload]
        return desc
    if isinstance(desc, (list, tuple)):
        items = list(desc)
        if not isinstance(key, int) or not -len(items) <= key <= len(items):
            raise KeyPathError(f"no index {key!r} in a list of {len(items)}", path)
        if not rest and isinstance(value, Insert):
            items.insert(key, _describe(value.value))
        elif not rest and value is MISSING:
            del items[key]
        else:
            items[key] = _set(items[key], rest, value)
        return tuple(items) if type(desc) is tuple else items
    if isinstance(desc, dict):
        if not rest and value is MISSING:
            desc.pop(key, None)
        else:
            desc[key] = _set(desc.get(key), rest, value)
        return desc
    raise KeyPathError(f"cannot edit {key!r} under a {type(desc).__name__}", path)


def _materialize(desc: Any) -> Any:
    if isinstance(desc, _Desc):
        from graftlab.symbolic.build import construct

        args = {k: _materialize(v) for k, v in desc.args.items()}
        return construct(desc.cls, args, runtime=desc.runtime)
    if type(desc) is list:
        return [_materialize(v) for v in desc]
    if type(desc) is dict:
        return {k: _materialize(v) for k, v in desc.items()}
    if type(desc) is tuple:
        return tuple(_materialize(v) for v in desc)
    return desc


def rebuild(obj: Any, updates: Mapping[Any, Any] | None = None, /, **kwargs: Any) -> Any:
    """A fresh object built from ``obj``'s arguments with the edits applied.

    ``updates`` maps key paths to values (``gl.MISSING`` resets an argument to its default,
    ``gl.Insert(v)`` inserts into a list); keywords name ``obj``'s own arguments. Every
    object in the tree is constructed anew (new weights for framework objects).
    """
    desc = _describe(obj)
    if not isinstance(desc, _Desc):
        raise KeyPathError(f"rebuild expects a symbolic object, got {type(obj).__name__}", None)
    edits: list[tuple[KeyPath, Any]] = [
        (KeyPath.parse(p), _describe(v)) for p, v in (updates or {}).items()
    ]
    edits.extend((KeyPath((k,)), _describe(v)) for k, v in kwargs.items())
    for path, value in edits:
        if not path:
            raise KeyPathError("cannot rebuild the root itself; edit its arguments", path)
        _set(desc, path, value)
    return _materialize(desc)

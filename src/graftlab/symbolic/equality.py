"""Symbolic equality and hashing, consistent with each other for every symbolic value.

Two symbolic objects are equal when they have the same type and equal arguments; symbolic
lists and dicts compare like lists and dicts (a ``SymList`` equals a plain list with equal
items). ``eq(a, b)`` implies ``sym_hash(a) == sym_hash(b)``; NaN equals NaN here so that a
value always equals itself.
"""

from __future__ import annotations

import math
from typing import Any

from graftlab.symbolic.nodes import LEAF_TYPES, ObjState

_SCALARS = LEAF_TYPES


def _state(v: Any) -> ObjState | None:
    d = getattr(v, "__dict__", None)
    if d is None:
        return None
    st = d.get("_sym_")
    return st if type(st) is ObjState else None


def eq(a: Any, b: Any) -> bool:
    """Whether two values are symbolically equal."""
    if a is b:
        return True
    ta, tb = type(a), type(b)
    if ta in _SCALARS or tb in _SCALARS:
        other = b if ta in _SCALARS else a
        if type(other) not in _SCALARS and _state(other) is not None:
            return False  # a symbolic object never equals a scalar (and ``==`` would recurse)
        if a == b:
            return (ta is not bool and tb is not bool) or ta is tb
        return ta is float and tb is float and math.isnan(a) and math.isnan(b)
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(eq(x, y) for x, y in zip(list.__iter__(a), list.__iter__(b), strict=True))
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        for k, v in dict.items(a):
            if k not in b or not eq(v, dict.__getitem__(b, k)):
                return False
        return True
    if ta is tuple:
        return tb is tuple and len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
    sa = _state(a)
    if sa is not None:
        sb = _state(b)
        if sb is None or ta is not tb:
            return False
        aa, ab = sa.args, sb.args
        if len(aa) != len(ab):
            return False
        for k, v in aa.items():
            if k not in ab:
                return False
            w = ab[k]
            if (type(v) is tuple) is not (type(w) is tuple):
                v, w = _as_list(sa.schema, k, v), _as_list(sa.schema, k, w)
            if not eq(v, w):
                return False
        return True
    if _state(b) is not None:
        return False
    try:
        result = a == b
        return (
            bool(result)
            if isinstance(result, bool)
            else bool(getattr(result, "all", lambda: result)())
        )
    except Exception:
        return False


def _as_list(schema: Any, name: str, value: Any) -> Any:
    """A tuple given for a ``list[T]`` argument compares (and hashes) like the list it
    stands for: the original ``__init__`` received the tuple, the value is the same."""
    if type(value) is not tuple:
        return value
    f = schema.fields.get(name)
    spec = f.spec if f is not None else None
    from graftlab.symbolic.typespec import ListSpec, UnionSpec

    if isinstance(spec, UnionSpec):
        spec = next((o for o in spec.options if isinstance(o, ListSpec)), None)
    return list(value) if isinstance(spec, ListSpec) else value


def ne(a: Any, b: Any) -> bool:
    """``not eq(a, b)``."""
    return not eq(a, b)


def sym_hash(value: Any) -> int:
    """A hash that agrees with ``eq``."""
    t = type(value)
    if t in _SCALARS:
        if t is float and math.isnan(value):
            return hash("nan")
        if t is bool:
            return hash(("bool", value))
        return hash(value)
    if isinstance(value, list):
        return hash(("list", *(sym_hash(v) for v in list.__iter__(value))))
    if isinstance(value, dict):
        return hash(("dict", frozenset((k, sym_hash(v)) for k, v in dict.items(value))))
    if t is tuple:
        return hash(("tuple", *(sym_hash(v) for v in value)))
    st = _state(value)
    if st is not None:
        schema = st.schema
        return hash(
            (
                t,
                frozenset(
                    (k, sym_hash(_as_list(schema, k, v) if type(v) is tuple else v))
                    for k, v in st.args.items()
                ),
            )
        )
    try:
        return hash(value)
    except TypeError:
        return hash(t)

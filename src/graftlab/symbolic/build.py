"""Constructing symbolic objects from stored arguments, and building specs for a run.

``construct`` re-creates an object from already validated arguments (used by clone, JSON
and the loader). ``build`` turns a tree of specs (objects whose runtime arguments, such as
NNX's ``rngs``, were not given) into real objects, bottom-up, and evaluates symbolic calls.
"""

from __future__ import annotations

from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.errors import ComponentError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES


def construct(cls: type, args: dict[str, Any], runtime: dict[str, Any] | None = None) -> Any:
    """``cls(**args)`` honouring positional-only and ``*args`` parameters."""
    schema = cls.__sym_schema__  # type: ignore[attr-defined]
    pos, kw = schema.call_args(args)
    if runtime:
        kw = {**kw, **runtime}
    return cls(*pos, **kw)


def build(value: Any, **runtime: Any) -> Any:
    """A built copy of ``value``: specs get their runtime arguments, calls are evaluated.

    Each object receives only the runtime arguments its schema declares. The experiment
    tree itself is left untouched, so building never changes what was written. A failure
    raises ``ComponentError`` with the key path of the object that failed.
    """
    return _build(value, KeyPath(), runtime)


def _build(value: Any, path: KeyPath, runtime: dict[str, Any]) -> Any:
    t = type(value)
    if t in LEAF_TYPES:
        return value
    if isinstance(value, list):
        return [_build(v, path.child(i), runtime) for i, v in enumerate(list.__iter__(value))]
    if isinstance(value, dict):
        return {k: _build(v, path.child(k), runtime) for k, v in dict.items(value)}
    if t is tuple:
        return tuple(_build(v, path.child(i), runtime) for i, v in enumerate(value))
    st = nodes.state_of(value)
    if st is None:
        return value
    args = {k: _build(v, path.child(k), runtime) for k, v in st.args.items()}
    schema = st.schema
    mine = {k: v for k, v in runtime.items() if k in schema.runtime}
    from graftlab.symbolic.functions import Call

    try:
        if isinstance(value, Call):
            pos, kw = schema.call_args(args)
            fn = type(value).__sym_function__
            return fn(*pos, **kw, **mine)
        return construct(type(value), args, runtime=mine or st.runtime)
    except ComponentError:
        raise
    except Exception as e:
        raise ComponentError(
            f"building {type(value).__qualname__} failed: {type(e).__name__}: {e}", path, e
        ) from e

"""Copies of symbolic trees: every node new (a node has one parent; see ``clone``)."""

from __future__ import annotations

from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.nodes import LEAF_TYPES, SymDict, SymList


def clone(value: Any, deep: bool = True) -> Any:
    """A copy of ``value`` that is a root of its own; leaves are shared (they are immutable).

    A node has exactly one parent, so the copy's symbolic children are new nodes whatever
    ``deep`` says (a child shared by two trees would be edited through both). ``deep=False``
    only keeps tuples and non-symbolic values as they are (PyGlove's ``sym_clone(deep=False)``
    shares children; here that cannot hold).
    """
    t = type(value)
    if t in LEAF_TYPES:
        return value
    if isinstance(value, SymList):
        items = [clone(v) if deep else v for v in list.__iter__(value)]
        out = SymList.__new__(SymList)
        out._sym_parent = out._sym_key = None
        out._sym_spec = value._sym_spec
        out._sym_meta = _copy_meta(value._sym_meta)
        list.extend(out, [nodes.attach(v, out, i) for i, v in enumerate(items)])
        return out
    if isinstance(value, SymDict):
        out_d = SymDict.__new__(SymDict)
        out_d._sym_parent = out_d._sym_key = None
        out_d._sym_spec = value._sym_spec
        out_d._sym_meta = _copy_meta(value._sym_meta)
        for k, v in dict.items(value):
            dict.__setitem__(out_d, k, nodes.attach(clone(v) if deep else v, out_d, k))
        return out_d
    st = nodes.state_of(value)
    if st is not None:
        args = {k: (clone(v) if deep else v) for k, v in st.args.items()}
        from graftlab.symbolic.build import construct

        new = construct(type(value), args, runtime=st.runtime)
        new.__dict__["_sym_"].meta = _copy_meta(st.meta)
        return new
    if t is tuple:
        return tuple(clone(v) for v in value) if deep else value
    return value


def _copy_meta(meta: dict[Any, Any] | None) -> dict[Any, Any] | None:
    return dict(meta) if meta else None

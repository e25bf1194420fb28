"""Copies of symbolic trees: every node new (a node has one parent; see ``clone``).

The arguments of a node in a tree were validated when they were stored, so a copy does not
validate them again: it copies the object's state (schema, arguments, runtime arguments,
metadata) onto a new instance of the class and runs the class's own ``__init__`` once, as
creating it would (or, for an ``__init__`` that only stores its arguments, stores them:
see ``stores``). Classes whose instances are not made by plain ``type.__call__`` +
``object.__new__`` (a custom metaclass or ``__new__``, such as Flax NNX modules) are
re-constructed through their constructor instead.
"""

from __future__ import annotations

from typing import Any

from graftlab.symbolic import nodes, placeholder
from graftlab.symbolic.frameworks import _SIZED_TYPES, fingerprint, holds_built_state
from graftlab.symbolic.nodes import LEAF_TYPES, ObjState, SymDict, SymList
from graftlab.symbolic.stores import STORED, UNKNOWN, classify

_FAST: dict[type, tuple[bool, bool]] = {}  # class -> (copied by state, live from birth)


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
    if t is not SymList and t is not SymDict:
        d = getattr(value, "__dict__", None)
        st = d.get("_sym_") if d is not None else None
        if type(st) is ObjState:
            how = _FAST.get(t)
            if how is None:
                how = _FAST[t] = (_copies_state(t), holds_built_state(t))
            if how[0] and st.schema is t.__dict__["__sym_schema__"]:
                return _copy_object(t, st, deep, how[1])
            args = {k: (clone(v) if deep else v) for k, v in st.args.items()}
            from graftlab.symbolic.build import construct

            new = construct(t, args, runtime=st.runtime)
            new.__dict__["_sym_"].meta = _copy_meta(st.meta)
            return new
    if isinstance(value, SymList):
        out = SymList.__new__(SymList)
        out._sym_parent = out._sym_key = None
        out._sym_spec = value._sym_spec
        out._sym_meta = _copy_meta(value._sym_meta)
        list.extend(out, [_child(v, out, i, deep) for i, v in enumerate(list.__iter__(value))])
        return out
    if isinstance(value, SymDict):
        out_d = SymDict.__new__(SymDict)
        out_d._sym_parent = out_d._sym_key = None
        out_d._sym_spec = value._sym_spec
        out_d._sym_meta = _copy_meta(value._sym_meta)
        for k, v in dict.items(value):
            dict.__setitem__(out_d, k, _child(v, out_d, k, deep))
        return out_d
    if t is tuple:
        return tuple(clone(v) for v in value) if deep else value
    return value


def _child(v: Any, parent: Any, key: Any, deep: bool) -> Any:
    """``v`` copied (when ``deep``) and linked under ``parent`` at ``key``.

    A fresh copy has no parent yet, so it is linked directly; anything else (a tuple, a
    node shared by a shallow copy) goes through ``nodes.attach``, which copies a node that
    belongs elsewhere.
    """
    if type(v) in LEAF_TYPES:
        return v
    if not deep:
        return nodes.attach(v, parent, key)
    t = type(v)
    d = getattr(v, "__dict__", None)
    st = d.get("_sym_") if d is not None else None
    if type(st) is ObjState:
        # ``clone``'s own test for an object copied by state, inline (the most frequent child).
        how = _FAST.get(t)
        if how is not None and how[0] and st.schema is t.__dict__["__sym_schema__"]:
            c = _copy_object(t, st, True, how[1])
            cst = c.__dict__["_sym_"]
            cst.parent = parent
            cst.key = key
            return c
    c = clone(v)
    t = type(c)
    if t is SymList or t is SymDict:
        c._sym_parent = parent
        c._sym_key = key
        return c
    d = getattr(c, "__dict__", None)
    st = d.get("_sym_") if d is not None else None
    if type(st) is ObjState and st.parent is None:
        st.parent = parent
        st.key = key
        return c
    return nodes.attach(c, parent, key)


def _copies_state(cls: type) -> bool:
    """Whether an instance of ``cls`` can be copied by state: ``cls(...)`` is exactly
    ``object.__new__`` followed by the symbolic ``__init__`` wrapper of ``cls`` itself."""
    schema = cls.__dict__.get("__sym_schema__")
    init = cls.__dict__.get("__init__")
    return (
        schema is not None
        and schema.init is not None
        and getattr(init, "__sym_original__", None) is schema.init
        and type(cls).__call__ is type.__call__  # type: ignore[comparison-overlap]
        and cls.__new__ is object.__new__
    )


def _copy_object(cls: type, st: ObjState, deep: bool, live: bool) -> Any:
    """What ``cls(**st.args)`` builds, without validating the (valid) arguments again.

    As the symbolic ``__init__`` wrapper does, the state is marked ``BUILDING`` while the
    original ``__init__`` runs, then ``LIVE`` (a framework object) or fingerprinted.
    """
    schema = st.schema
    new = object.__new__(cls)
    leaf = LEAF_TYPES
    args = {k: v if type(v) in leaf else _child(v, new, k, deep) for k, v in st.args.items()}
    nst = ObjState(schema, args)
    new.__dict__["_sym_"] = nst
    if placeholder._active[0] and placeholder.holds_choices(args):
        new.__dict__[placeholder.TEMPLATE_KEY] = True  # a search-space template: not built
        nst.meta = _copy_meta(st.meta)
        return new
    rt = dict(st.runtime) if st.runtime else None
    required = schema.required_runtime
    if required and (rt is None or not required <= rt.keys()):
        nst.meta = _copy_meta(st.meta)
        return new  # a spec: built later by gl.build with the runtime arguments
    nst.runtime = rt
    stores = schema.stores
    if stores is UNKNOWN:
        stores = classify(schema)
    if stores is not None:
        # An ``__init__`` that only stores its arguments: store them, without a call
        # (``stores.run``, inline).
        d = new.__dict__
        snap = STORED
        for a, p in stores.pairs:
            v = args[p]
            d[a] = v
            if type(v) in _SIZED_TYPES:
                snap = None
        nst.snap = snap if snap is not None else fingerprint(new)
        nst.meta = _copy_meta(st.meta)
        return new
    nst.snap = nodes.BUILDING
    try:
        if schema._simple_call and not schema.runtime:
            schema.init(new, **args)
        else:
            pos, kw = schema.call_args(args)
            if rt:
                kw = {**kw, **rt}
            schema.init(new, *pos, **kw)
    finally:
        nst.snap = nodes.LIVE if live else fingerprint(new)
    # Metadata last, as construct-then-set did: an ``__init__`` never sees it.
    nst.meta = _copy_meta(st.meta)
    return new


def _copy_meta(meta: dict[Any, Any] | None) -> dict[Any, Any] | None:
    return dict(meta) if meta else None

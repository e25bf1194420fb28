"""``symbolize`` for classes: instances keep, validate and expose their arguments.

The class itself is kept (``type(obj) is Cls``, pickling by name, registries that hold it):
its ``__init__`` is wrapped in place to bind and validate the call, record the arguments in
``obj.__dict__['_sym_']`` and then run the original ``__init__``. Arguments listed as
``runtime`` (NNX's ``rngs``, Linen's ``parent``/``name``) are not part of the schema; if a
required one is missing the original ``__init__`` is deferred to ``gl.build``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Iterable, Iterator, KeysView, Mapping
from typing import Any, TypeVar

from graftlab.symbolic import nodes, registry
from graftlab.symbolic.errors import SchemaError, SymbolicError
from graftlab.symbolic.frameworks import (
    _SIZED_TYPES,
    fingerprint,
    framework_of,
    holds_built_state,
    identity_semantics,
)
from graftlab.symbolic.nodes import ObjState
from graftlab.symbolic.placeholder import TEMPLATE_KEY, holds_choices
from graftlab.symbolic.placeholder import _active as active
from graftlab.symbolic.rebind import rebind as _rebind
from graftlab.symbolic.schema import Schema, _resolve_hints, from_signature
from graftlab.symbolic.stores import STORED, UNKNOWN, classify

T = TypeVar("T", bound=type)

_LEAF = nodes.LEAF_TYPES


class ArgsView(Mapping[str, Any]):
    """A read-only view of an object's symbolic arguments (also by attribute)."""

    __slots__ = ("_args",)

    def __init__(self, args: dict[str, Any]) -> None:
        self._args = args

    def __getitem__(self, key: str) -> Any:
        return self._args[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._args)

    def __len__(self) -> int:
        return len(self._args)

    def keys(self) -> KeysView[str]:
        # ``Cls(**obj.sym_init_args)`` (how rules copy an object) unpacks through ``keys``.
        return self._args.keys()

    def __getattr__(self, name: str) -> Any:
        try:
            return self._args[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}={v!r}" for k, v in self._args.items()) + "}"


def _flax_runtime(cls: type) -> tuple[str, ...]:
    for base in cls.__mro__:
        mod = base.__module__ or ""
        if base.__name__ == "Module" and mod.startswith("flax.nnx"):
            return ("rngs",)
        if base.__name__ == "Module" and mod.startswith("flax.linen"):
            return ("parent", "name")
    return ()


def _hide_from_nnx(cls: type) -> None:
    """Keep ``_sym_`` out of the NNX graph of a built module (split/merge/clone/jit).

    Flax registers each ``nnx.Module`` subclass's graph flatten function when the class is
    created; it would carry the symbolic state along as a static attribute (shared between
    copies, hashed into graph definitions, pickled). Copies made by NNX are plain modules.
    """
    graphlib = sys.modules.get("flax.nnx.graphlib")
    registry_ = getattr(graphlib, "GRAPH_REGISTRY", None)
    impl = registry_.get(cls) if registry_ is not None else None
    if impl is None or getattr(impl.flatten, "__sym_hides__", False):
        return
    base_flatten, base_clear = impl.flatten, impl.clear

    def flatten(node: Any) -> Any:
        items, aux = base_flatten(node)
        return [kv for kv in items if kv[0] != "_sym_"], aux

    def clear(node: Any) -> None:
        # NNX clears and refills a node it updates in place (``nnx.jit``, ``nnx.update``).
        st = node.__dict__.get("_sym_")
        base_clear(node)
        if st is not None:
            node.__dict__["_sym_"] = st

    flatten.__sym_hides__ = True  # type: ignore[attr-defined]
    registry_[cls] = dataclasses.replace(impl, flatten=flatten, clear=clear)
    cls._graph_node_flatten = flatten  # type: ignore[attr-defined]
    cls._graph_node_clear = clear  # type: ignore[attr-defined]


def _base_params(cls: type) -> list[inspect.Parameter]:
    """Named parameters of the next ``__init__`` up the MRO (where ``**kwargs`` go)."""
    out: list[inspect.Parameter] = []
    for base in cls.__mro__[1:]:
        init = base.__dict__.get("__init__")
        if init is None:
            continue
        if base is object:
            break
        init = getattr(init, "__sym_original__", init)
        try:
            params = list(inspect.signature(init).parameters.values())[1:]
        except (TypeError, ValueError):
            break
        # String annotations (``from __future__ import annotations``) resolve in the base's
        # own module, so that pass-through arguments keep their types.
        hints = _resolve_hints(init, base)
        out.extend(
            p.replace(annotation=hints.get(p.name, p.annotation))
            if isinstance(p.annotation, str)
            else p
            for p in params
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        )
        if not any(p.kind == p.VAR_KEYWORD for p in params):
            break
    return out


def _make_init(cls: type, schema: Schema, original: Any) -> Any:
    live_from_birth = holds_built_state(cls)
    BUILDING, LIVE = nodes.BUILDING, nodes.LIVE
    bind = schema.bind
    runtime = schema.runtime
    required_runtime = schema.required_runtime
    simple = schema._simple_call and not runtime
    attach = nodes.attach

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        d = self.__dict__
        if "_sym_" in d:
            # Reached through super() from a symbolic subclass: it recorded the call.
            original(self, *args, **kwargs)
            return
        rt = None
        if runtime:
            rt = {k: kwargs.pop(k) for k in runtime if k in kwargs}
        try:
            values = bind(args, kwargs)
        except SymbolicError as e:
            if not getattr(e, "_sym_owner_named", False):
                e.message = (
                    f"{cls.__qualname__}: {e.message}"
                    if not e.message.startswith(cls.__qualname__)
                    else e.message
                )
                e._sym_owner_named = True  # type: ignore[attr-defined]
                e.args = (e._render(),)
            raise
        st = ObjState(schema, values)
        d["_sym_"] = st
        for k, v in values.items():
            if type(v) not in _LEAF:
                values[k] = attach(v, self, k)
        if active[0] and holds_choices(values):
            d[TEMPLATE_KEY] = True  # a search-space template: built only once materialized
            return
        if required_runtime and (rt is None or not required_runtime <= rt.keys()):
            return  # a spec: built later by gl.build with the runtime arguments
        if rt:
            st.runtime = rt
        stores = schema.stores
        if stores is UNKNOWN:
            stores = classify(schema)
        if stores is not None and len(d) == 1:
            # The original ``__init__`` only stores its arguments: do that, without a call
            # (``stores.run``, inline).
            snap = STORED
            for a, p in stores.pairs:
                v = values[p]
                d[a] = v
                if type(v) in _SIZED_TYPES:
                    snap = None
            st.snap = snap if snap is not None else fingerprint(self)
            return
        st.snap = BUILDING
        try:
            if simple:
                original(self, **values)
            else:
                pos, kw = schema.call_args(values)
                if rt:
                    kw = {**kw, **rt}
                original(self, *pos, **kw)
        finally:
            st.snap = LIVE if live_from_birth else fingerprint(self)

    functools.update_wrapper(__init__, original)
    # ``inspect.signature`` follows ``__wrapped__``; ``inspect.getfullargspec`` (Keras reads
    # it in ``Operation.__new__``) does not, but honours ``__signature__``.
    try:
        __init__.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        pass
    __init__.__sym_original__ = original  # type: ignore[attr-defined]
    return __init__


def _none_is_unset(schema: Schema) -> None:
    """Framework code passes ``None`` for "not set" whatever the annotation says (flaxmodels'
    ``pretrained: str = 'imagenet'`` takes ``None`` for random weights): accept it."""
    from graftlab.symbolic.typespec import optional

    for f in schema.fields.values():
        if not f.spec.nullable and f.kind != "var_positional":
            f.spec = optional(f.spec)
            f.check = f.spec.check


def _install(cls: type, name: str, value: Any, *, only_if_free: bool) -> None:
    if only_if_free and any(name in b.__dict__ for b in cls.__mro__ if b is not object):
        return
    setattr(cls, name, value)


def symbolize_class(
    cls: T,
    *,
    runtime: Iterable[str] = (),
    name: str | None = None,
    rederive: bool = True,
) -> T:
    """Make ``cls`` symbolic in place and return it (idempotent)."""
    if "__sym_schema__" in cls.__dict__:
        return cls
    if not isinstance(cls, type):
        raise SchemaError(f"symbolize expects a class or a function, got {type(cls).__name__}")
    if issubclass(cls, type):
        raise SchemaError(
            f"{cls.__qualname__} is a metaclass (its instances are classes): it cannot be symbolized"
        )
    if cls.__dict__.get("__slots__") is not None and not any(
        "__dict__" in b.__dict__ for b in cls.__mro__ if b is not object
    ):
        raise SchemaError(
            f"{cls.__qualname__} uses __slots__ without __dict__; it cannot be symbolized"
        )
    init = cls.__init__
    original = getattr(init, "__sym_original__", init)
    if original is object.__init__:
        raise SchemaError(
            f"{cls.__qualname__} has no __init__ of its own: there are no arguments to symbolize"
        )
    flax_runtime = _flax_runtime(cls)
    runtime = tuple(dict.fromkeys([*runtime, *flax_runtime]))
    if flax_runtime == ("rngs",):
        # Re-running an NNX module's __init__ after an edit would re-initialize its weights:
        # edits of a built module change its record only; edit the spec and build again.
        rederive = False
        _hide_from_nnx(cls)
    # Help text: this class, its __init__, then the classes it inherits from.
    docs = [
        cls.__doc__,
        getattr(original, "__doc__", None),
        *(b.__doc__ for b in cls.__mro__[1:] if b is not object),
    ]
    schema = from_signature(
        cls,
        original,
        skip_first=True,
        runtime=runtime,
        doc_sources=docs,
        base_params=lambda: _base_params(cls),
    )
    schema.init = original
    schema.rederive_on_edit = rederive
    if framework_of(cls) is not None:
        _none_is_unset(schema)
    cls.__init__ = _make_init(cls, schema, original)  # type: ignore[misc]
    cls.__sym_schema__ = schema  # type: ignore[attr-defined]
    for attr, value in _METHODS.items():
        _install(cls, attr, value, only_if_free=not attr.startswith("sym_"))
    if not identity_semantics(cls):
        # Plain symbolic classes are value-like records of hyperparameters: ``==`` and
        # ``hash`` are symbolic. Framework classes and classes with their own ``__eq__`` or
        # ``__hash__`` keep theirs (torch de-duplicates parameters by them).
        cls.__eq__ = _sym_eq  # type: ignore[assignment,method-assign]
        cls.__hash__ = _sym_hash  # type: ignore[assignment,method-assign]
    if cls.__repr__ is object.__repr__:  # type: ignore[comparison-overlap]
        cls.__repr__ = _sym_repr  # type: ignore[assignment,method-assign]
    if (
        cls.__reduce_ex__ is object.__reduce_ex__  # type: ignore[comparison-overlap]
        and cls.__reduce__ is object.__reduce__  # type: ignore[comparison-overlap]
        and getattr(cls, "__getstate__", object.__getstate__) is object.__getstate__  # type: ignore[attr-defined]
    ):
        cls.__reduce__ = _sym_reduce  # type: ignore[assignment,method-assign]
    if "__init_subclass__" not in cls.__dict__ or not getattr(
        cls.__dict__["__init_subclass__"], "__sym_hook__", False
    ):
        _hook_subclasses(cls)
    registry.register(cls, name)
    for f in schema.fields.values():
        _register_enums(f.spec)
    return cls


def _register_enums(spec: Any) -> None:
    """Enums named in a schema become resolvable by safe loaders."""
    from graftlab.symbolic.typespec import EnumSpec

    if isinstance(spec, EnumSpec):
        registry.register(spec.enum_type)
    for attr in ("item", "value", "rest"):
        inner = getattr(spec, attr, None)
        if inner is not None and hasattr(inner, "check"):
            _register_enums(inner)
    for inner in getattr(spec, "options", ()) or getattr(spec, "items", None) or ():
        if hasattr(inner, "check"):
            _register_enums(inner)


def _hook_subclasses(cls: type) -> None:
    previous = cls.__dict__.get("__init_subclass__")

    def __init_subclass__(sub: type, **kwargs: Any) -> None:
        if previous is not None:
            previous.__func__(sub, **kwargs)  # type: ignore[attr-defined]
        else:
            super(cls, sub).__init_subclass__(**kwargs)  # type: ignore[misc]
        if "__sym_schema__" in sub.__dict__ or sub.__dict__.get("__sym_manual__"):
            return
        parent_schema: Schema = cls.__sym_schema__  # type: ignore[attr-defined]
        try:
            symbolize_class(
                sub, runtime=parent_schema.runtime, rederive=parent_schema.rederive_on_edit
            )
        except SchemaError:
            pass  # a subclass that cannot be symbolized stays an ordinary subclass

    __init_subclass__.__sym_hook__ = True  # type: ignore[attr-defined]
    cls.__init_subclass__ = classmethod(__init_subclass__)  # type: ignore[assignment,method-assign]


def _state(self: Any) -> ObjState:
    return self.__dict__["_sym_"]


def _sym_eq(self: Any, other: Any) -> bool:
    from graftlab.symbolic.equality import eq

    return eq(self, other)


def _sym_hash(self: Any) -> int:
    from graftlab.symbolic.equality import sym_hash

    return sym_hash(self)


def _sym_repr(self: Any) -> str:
    from graftlab.symbolic.formatting import format_value

    return format_value(self, compact=True)


def _rebuild(cls: type, args: dict[str, Any]) -> Any:
    from graftlab.symbolic.build import construct

    return construct(cls, args)


def _sym_reduce(self: Any) -> Any:
    st = self.__dict__.get("_sym_")
    if st is None:
        return object.__reduce_ex__(self, 2)
    return (_rebuild, (type(self), {k: _plain_for_pickle(v) for k, v in st.args.items()}))


def _plain_for_pickle(v: Any) -> Any:
    if isinstance(v, nodes.SymList):
        return [_plain_for_pickle(x) for x in v]
    if isinstance(v, nodes.SymDict):
        return {k: _plain_for_pickle(x) for k, x in v.items()}
    return v


def _clone(self: Any, deep: bool = True) -> Any:
    from graftlab.symbolic.clone import clone

    return clone(self, deep=deep)


_sym_eq.__sym_eq__ = True  # type: ignore[attr-defined]
_sym_hash.__sym_eq__ = True  # type: ignore[attr-defined]


_METHODS: dict[str, Any] = {
    "sym_init_args": property(
        lambda self: ArgsView(_state(self).args), doc="The symbolic arguments."
    ),
    "sym_schema": property(lambda self: _state(self).schema, doc="The schema of this object."),
    "sym_parent": property(lambda self: _state(self).parent, doc="The node that holds this one."),
    "sym_path": property(lambda self: nodes.path_of(self), doc="The key path from the root."),
    "sym_rebind": _rebind,  # ``rebind(self, ...)`` itself: no call in between
    "sym_clone": _clone,
    "sym_eq": _sym_eq,
    "sym_hash": _sym_hash,
    "rebind": _rebind,
    "clone": _clone,
}

"""Constructors that only store their arguments: re-running one is setting attributes.

Editing an object re-runs its ``__init__`` so that derived state stays current, and an object
whose attributes changed after construction is *live* (its edits are refused; see
docs/symbolic.md). Most hyperparameter records have an ``__init__`` like
``self.features = features``: running it sets attributes to the very argument objects, in a
fixed order, and nothing else. For such a class the object's whole state is a function of
its arguments, so

- re-running ``__init__`` is setting those attributes (``run``), with no call;
- "changed after construction" is "``__dict__`` is not what ``run`` makes of the current
  arguments" (``intact``): the same attribute names in the same order, each holding the
  very argument object. The per-object fingerprint that other classes need is not stored
  (``ObjState.snap`` is ``STORED``).

A class qualifies (``classify``) when its original ``__init__`` is a plain function whose
bytecode only loads parameters and stores them as attributes of ``self`` (a docstring,
``pass``, annotated and tuple assignments allowed; any call, branch, constant, closure or
other opcode disqualifies it), every stored parameter is a named one the schema always fills
(no ``*args``/``**kwargs``, no runtime or partial arguments), the class does not customize
``__setattr__`` and no stored name is a data descriptor (a property, a slot), and the class
is re-derived on edit and holds no framework state. Anything else keeps the general path:
``__init__`` called, fingerprint taken. An object whose stored value is a plain mutable
container (whose growth makes it live) is fingerprinted too.
"""

from __future__ import annotations

import types
from typing import Any

from graftlab.symbolic.frameworks import _SIZED_TYPES, fingerprint, framework_of

STORED: Any = "<stores its arguments>"
"""``ObjState.snap`` of an object whose ``__init__`` only stored its arguments, untouched since."""

UNKNOWN: Any = "<not classified>"
"""``Schema.stores`` before the class's first construction classifies it."""

_SKIP = frozenset({"RESUME", "NOP", "CACHE", "EXTENDED_ARG", "NOT_TAKEN"})
_LOADS = frozenset({"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW"})
_LOAD_PAIRS = frozenset({"LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"})
_NONE = object()  # the constant ``None`` on the simulated stack
_NAMED = frozenset({"positional_only", "positional_or_keyword", "keyword_only"})
_RESERVED = frozenset({"_sym_", "_sym_tpl_", "__dict__", "__class__"})


class Stores:
    """What a storing ``__init__`` does: ``pairs`` of (attribute, parameter) in store order;
    ``keys``, the ``__dict__`` keys it leaves (``_sym_`` first); ``final``, each attribute with
    the parameter it ends up holding."""

    __slots__ = ("final", "keys", "pairs")

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.pairs = pairs
        last = dict(pairs)
        self.keys = ("_sym_", *last)
        self.final = tuple(last.items())


def _stored_pairs(fn: Any) -> tuple[tuple[str, str], ...] | None:
    """The (attribute, parameter) stores of ``fn``'s body, or ``None`` if it does more."""
    import dis  # here: ``import graftlab`` does not need it

    if type(fn) is not types.FunctionType:
        return None
    code = fn.__code__
    if code.co_argcount < 1 or code.co_freevars or code.co_cellvars or code.co_exceptiontable:
        return None
    names = code.co_varnames
    self_name = names[0]
    params = frozenset(names[1 : code.co_argcount + code.co_kwonlyargcount])
    stack: list[Any] = []
    pairs: list[tuple[str, str]] = []
    instructions = list(dis.get_instructions(code))
    for i, ins in enumerate(instructions):
        op = ins.opname
        if op in _SKIP:
            continue
        if op in _LOADS:
            stack.append(ins.argval)
        elif op in _LOAD_PAIRS:
            if not isinstance(ins.argval, tuple) or len(ins.argval) != 2:
                return None
            stack.extend(ins.argval)
        elif op == "STORE_ATTR":
            if len(stack) < 2:
                return None
            owner, value = stack.pop(), stack.pop()
            attr = ins.argval
            if (
                owner != self_name
                or type(value) is not str
                or value not in params
                or not isinstance(attr, str)
                or attr in _RESERVED
            ):
                return None
            pairs.append((attr, value))
        elif op == "SWAP":
            n = ins.arg or 0
            if n < 2 or len(stack) < n:
                return None
            stack[-1], stack[-n] = stack[-n], stack[-1]
        elif op == "COPY":
            n = ins.arg or 0
            if n < 1 or len(stack) < n:
                return None
            stack.append(stack[-n])
        elif op == "BUILD_TUPLE":
            n = ins.arg or 0
            if len(stack) < n:
                return None
            items = tuple(stack[len(stack) - n :])
            del stack[len(stack) - n :]
            stack.append(items)
        elif op == "UNPACK_SEQUENCE":
            if not stack or type(stack[-1]) is not tuple or len(stack[-1]) != ins.arg:
                return None
            stack.extend(reversed(stack.pop()))
        elif op == "LOAD_CONST" and ins.argval is None:
            stack.append(_NONE)
        elif (op == "RETURN_CONST" and ins.argval is None and not stack) or (
            op == "RETURN_VALUE" and len(stack) == 1 and stack[0] is _NONE
        ):
            return tuple(pairs) if _only_skips(instructions[i + 1 :]) else None
        else:
            return None
    return None


def _only_skips(rest: list[Any]) -> bool:
    return all(ins.opname in _SKIP for ins in rest)


def _intercepted(cls: type, attr: str) -> bool:
    """Whether ``obj.attr = v`` on an instance of ``cls`` runs code (a data descriptor)."""
    for base in cls.__mro__:
        if attr in base.__dict__:
            kind = type(base.__dict__[attr])
            return hasattr(kind, "__set__") or hasattr(kind, "__delete__")
    return False


def classify(schema: Any) -> Stores | None:
    """The ``Stores`` of a symbolic class whose ``__init__`` only stores its arguments, else
    ``None``; cached on the schema (``schema.stores``)."""
    stores = _classify(schema)
    schema.stores = stores
    return stores


def _classify(schema: Any) -> Stores | None:
    cls = schema.owner
    if (
        not isinstance(cls, type)
        or not schema.rederive_on_edit
        or schema.runtime
        or schema.allow_partial
        or framework_of(cls) is not None
        or cls.__setattr__ is not object.__setattr__  # type: ignore[comparison-overlap]
    ):
        return None
    pairs = _stored_pairs(schema.init)
    if pairs is None:
        return None
    fields = schema.fields
    for attr, param in pairs:
        f = fields.get(param)
        if f is None or not f.fill_default or f.kind not in _NAMED:
            return None
        if _intercepted(cls, attr):
            return None
    return Stores(pairs)


def run(d: dict[str, Any], args: dict[str, Any], stores: Stores) -> Any:
    """Do what the ``__init__`` does (store the arguments into ``d``) and return the snap
    the object gets: ``STORED``, or ``None`` when a stored value is a plain mutable
    container (the caller fingerprints the object then)."""
    snap = STORED
    for attr, param in stores.pairs:
        v = args[param]
        d[attr] = v
        if type(v) in _SIZED_TYPES:
            snap = None
    return snap


def intact(d: dict[str, Any], args: dict[str, Any], stores: Stores) -> bool:
    """Whether ``d`` is exactly what ``run`` makes of ``args`` (nothing changed since)."""
    if tuple(d) != stores.keys:
        return False
    for attr, param in stores.final:
        if d[attr] is not args[param]:
            return False
    return True


def snapshot(obj: Any, args: dict[str, Any], stores: Any) -> Any:
    """The snap of an object right after its ``__init__`` ran: ``STORED`` when the class
    stores its arguments and the object is exactly that (no plain mutable container among
    them), else its fingerprint."""
    if stores is not None and stores is not UNKNOWN:
        d = obj.__dict__
        if intact(d, args, stores) and all(type(d[a]) not in _SIZED_TYPES for a, _ in stores.final):
            return STORED
    return fingerprint(obj)

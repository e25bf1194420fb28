"""JSON for symbolic values: the machine format of run records and tools.

Objects are ``{"__type__": "module.QualName", arg: value, ...}``; tuples, enums, classes and
non-finite floats have their own small markers. Loading is safe: a type name resolves only
through the registry of symbolic classes that are already imported (optionally restricted to
allowed modules), data never causes an import, and nothing is unpickled.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Iterable
from typing import Any

from graftlab.io import codecs
from graftlab.io.limits import MAX_DEPTH
from graftlab.symbolic import registry
from graftlab.symbolic.build import construct
from graftlab.symbolic.errors import RegistryError, SymbolicError, ValidationError
from graftlab.symbolic.functions import Call
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import ObjState

TYPE = "__type__"
TUPLE = "__tuple__"
ENUM = "__enum__"
CLASS = "__class__"
FLOAT = "__float__"
DICT = "__dict__"
_MARKERS = {TYPE, TUPLE, ENUM, CLASS, FLOAT, DICT}
# Deeper than any value the text format can hold (each level there may take two here).
MAX_JSON_DEPTH = 4 * MAX_DEPTH


class JSONFormatError(SymbolicError, ValueError):
    """JSON that is malformed or does not describe a valid symbolic value."""


def to_json(value: Any) -> Any:
    """A JSON-compatible structure (dicts, lists, numbers, strings) for ``value``."""
    return _to(value, ())


def _to(v: Any, path: tuple[Any, ...]) -> Any:
    t = type(v)
    if t is int or t is str or t is bool or v is None:
        return v
    if t is float:
        return v if math.isfinite(v) else {FLOAT: repr(v)}
    if isinstance(v, list):
        return [_to(x, (*path, i)) for i, x in enumerate(list.__iter__(v))]
    d = getattr(v, "__dict__", None)
    st = d.get("_sym_") if d is not None else None
    if type(st) is ObjState:
        out: dict[str, Any] = {TYPE: registry.type_name(t)}
        for k, x in st.args.items():
            out[k] = _to(x, (*path, k))
        return out
    if isinstance(v, dict):
        body = {k: _to(x, (*path, k)) for k, x in dict.items(v)}
        if any(k in _MARKERS for k in body):
            return {DICT: body}
        return body
    if t is tuple:
        return {TUPLE: [_to(x, (*path, i)) for i, x in enumerate(v)]}
    if isinstance(v, enum.Enum):
        return {ENUM: registry.type_name(t), "name": v.name}
    if isinstance(v, type) and "__sym_schema__" in v.__dict__:
        return {CLASS: registry.type_name(v)}
    stand_in = codecs.encode(v)
    if stand_in is not None:
        # a dtype, partial, ConfigDict or framework callable: its codec object, which
        # from_json builds back into the value itself
        return _to(stand_in, path)
    raise JSONFormatError(
        f"cannot write a {t.__name__} as JSON: only symbolic objects, lists, dicts, tuples, "
        "enums and plain scalars can be stored",
        KeyPath(path),
    )


def to_json_str(value: Any, *, indent: int | None = None) -> str:
    """``json.dumps(to_json(value))`` with stable separators."""
    return json.dumps(to_json(value), indent=indent, ensure_ascii=False, allow_nan=False)


def from_json(data: Any, *, allowed_modules: Iterable[str] | None = None) -> Any:
    """Rebuild a symbolic value from ``to_json`` output (see the module doc)."""
    allowed = tuple(allowed_modules) if allowed_modules is not None else None
    return _from(data, (), allowed)


def from_json_str(text: str | bytes, *, allowed_modules: Iterable[str] | None = None) -> Any:
    """Parse JSON text and rebuild the value; syntax errors give line and column."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise JSONFormatError(
            f"malformed JSON at line {e.lineno}, column {e.colno}: {e.msg}", KeyPath()
        ) from None
    except (UnicodeDecodeError, TypeError) as e:
        raise JSONFormatError(f"not JSON text: {e}", KeyPath()) from None
    except ValueError as e:  # an integer over Python's digit limit (found by fuzzing)
        raise JSONFormatError(f"not JSON this reader accepts: {e}", KeyPath()) from None
    except RecursionError:
        raise JSONFormatError(
            f"the JSON nests too deeply to read (the limit is {MAX_JSON_DEPTH} levels)", KeyPath()
        ) from None
    return from_json(data, allowed_modules=allowed_modules)


def _resolve(name: Any, path: tuple[Any, ...], allowed: tuple[str, ...] | None) -> Any:
    if not isinstance(name, str):
        raise JSONFormatError(
            f"a type name must be a string, got {type(name).__name__}", KeyPath(path)
        )
    try:
        return registry.lookup(name, allowed)
    except RegistryError as e:
        raise JSONFormatError(str(e), KeyPath(path)) from None


def _from(v: Any, path: tuple[Any, ...], allowed: tuple[str, ...] | None) -> Any:
    t = type(v)
    if t is int or t is str or t is bool or t is float or v is None:
        return v
    if len(path) >= MAX_JSON_DEPTH:
        raise JSONFormatError(f"the value nests deeper than {MAX_JSON_DEPTH} levels", KeyPath(path))
    if t is list:
        return [_from(x, (*path, i), allowed) for i, x in enumerate(v)]
    if t is not dict:
        raise JSONFormatError(f"unexpected JSON value of type {t.__name__}", KeyPath(path))
    if TYPE in v:
        cls = _resolve(v[TYPE], path, allowed)
        if not isinstance(cls, type) or "__sym_schema__" not in cls.__dict__:
            raise JSONFormatError(f"{v[TYPE]!r} is not a symbolic class", KeyPath(path))
        args = {k: _from(x, (*path, k), allowed) for k, x in v.items() if k != TYPE}
        try:
            if issubclass(cls, Call):
                return cls(**args)
            return construct(cls, args)
        except ValidationError as e:
            e.path = KeyPath((*path, *(e.path or ())))
            e.args = (e._render(),)
            raise
    if TUPLE in v:
        items = v[TUPLE]
        if type(items) is not list or len(v) != 1:
            raise JSONFormatError('a tuple is written {"__tuple__": [...]}', KeyPath(path))
        return tuple(_from(x, (*path, i), allowed) for i, x in enumerate(items))
    if ENUM in v:
        cls = _resolve(v[ENUM], path, allowed)
        name = v.get("name")
        if (
            not (isinstance(cls, type) and issubclass(cls, enum.Enum))
            or name not in cls.__members__
        ):
            raise JSONFormatError(f"{v[ENUM]!r} has no member {name!r}", KeyPath(path))
        return cls[name]
    if CLASS in v:
        return _resolve(v[CLASS], path, allowed)
    if FLOAT in v:
        text = v[FLOAT]
        if text not in ("inf", "-inf", "nan"):
            raise JSONFormatError(
                f"bad special float {text!r}: expected 'inf', '-inf' or 'nan'", KeyPath(path)
            )
        return float(text)
    if DICT in v:
        v = v[DICT]
        if type(v) is not dict:
            raise JSONFormatError("'__dict__' must hold an object", KeyPath(path))
    return {k: _from(x, (*path, k), allowed) for k, x in v.items()}

"""Placeholders: values that stand for a value to be chosen later (search-space choices).

The symbolic core knows nothing of search spaces; it only lets a *placeholder* stand where a
typed value is expected. A class registered here (``graftlab.hyper`` registers ``oneof``,
``manyof``, ``floatv`` and ``intv``) is accepted by a field whose spec rejects it, after the
placeholder itself checked that what it can become fits the spec
(``placeholder.sym_stand_in(spec)``). An object whose arguments hold a placeholder, directly
or further down, is a *template*: it records its arguments but its original ``__init__`` is
not run (there is nothing concrete to run it with). Nothing here costs anything until the
first placeholder is created in a process.
"""

from __future__ import annotations

from typing import Any

from graftlab.symbolic.nodes import LEAF_TYPES, SymDict, SymList, _placeholder_types

TYPES: set[type] = _placeholder_types
TEMPLATE_KEY = "_sym_tpl_"
_active = [False]


def register(cls: type) -> type:
    """Let instances of ``cls`` stand for values (``cls`` defines ``sym_stand_in(spec)``)."""
    TYPES.add(cls)
    return cls


def activate() -> None:
    """Called when a placeholder is created: from now on constructions look for them."""
    _active[0] = True


def is_active() -> bool:
    return _active[0]


def is_placeholder(value: Any) -> bool:
    return type(value) in TYPES


def stand_in(spec: Any, value: Any, error: Exception) -> Any:
    """``value`` if it is a placeholder that fits ``spec``; otherwise re-raise ``error``."""
    if type(value) not in TYPES:
        raise error
    _active[0] = True
    value.sym_stand_in(spec)
    return value


def holds_choices(value: Any) -> bool:
    """Whether a value (an argument dict, list, object...) holds a placeholder anywhere.

    Objects answer from their own mark, set when they were built, so this looks one level
    into objects and through containers only.
    """
    t = type(value)
    if t in LEAF_TYPES:
        return False
    if t in TYPES:
        return True
    if t is dict or t is SymDict:
        return any(holds_choices(v) for v in dict.values(value))
    if t is list or t is SymList or t is tuple:
        return any(holds_choices(v) for v in value)
    d = getattr(value, "__dict__", None)
    return d is not None and TEMPLATE_KEY in d


def is_template(value: Any) -> bool:
    """Whether ``value`` is a placeholder or a tree that holds one (a search space)."""
    return _active[0] and holds_choices(value)

"""The registry of symbolic types, by qualified name.

Safe loading (JSON, the text format) resolves type names only through this registry: a
name that is not here is an error, and nothing is imported because data named it.
"""

from __future__ import annotations

import enum
from typing import Any

from graftlab.symbolic.errors import RegistryError

_BY_NAME: dict[str, Any] = {}


def type_name(t: Any) -> str:
    """The registry name of a class or function: ``module.QualName``."""
    return f"{t.__module__}.{t.__qualname__}"


def register(t: Any, name: str | None = None) -> None:
    """Register a symbolic class (or an enum) under its qualified name and ``name``."""
    for key in {type_name(t), name} - {None}:
        existing = _BY_NAME.get(key)  # type: ignore[arg-type]
        if existing is not None and existing is not t and not _same_definition(existing, t):
            raise RegistryError(
                f"the symbolic name {key!r} is taken by {type_name(existing)}; "
                "give one of them another name"
            )
        _BY_NAME[key] = t  # type: ignore[index]


def _same_definition(a: Any, b: Any) -> bool:
    # A module re-imported (importlib.reload, tests) defines the class again: allow it.
    return type_name(a) == type_name(b)


def lookup(name: str, allowed_modules: Any = None) -> Any:
    """The registered type called ``name``; ``RegistryError`` if unknown or not allowed."""
    t = _BY_NAME.get(name)
    if t is None:
        raise RegistryError(
            f"unknown symbolic type {name!r}: no symbolic class of that name is loaded"
        )
    if allowed_modules is not None and not module_allowed(t.__module__, allowed_modules):
        raise RegistryError(
            f"type {name!r} comes from module {t.__module__!r}, which is not allowed"
        )
    return t


def module_allowed(module: str, allowed: Any) -> bool:
    """Whether ``module`` is one of ``allowed`` or inside one of them (``pkg`` allows ``pkg.x``)."""
    return any(module == a or module.startswith(a + ".") for a in allowed)


def registered() -> dict[str, Any]:
    """A copy of the registry (name to type)."""
    return dict(_BY_NAME)


def register_enum(e: type[enum.Enum]) -> None:
    """Allow an enum to be named by safe loaders."""
    register(e)

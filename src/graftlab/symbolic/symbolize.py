"""The ``@symbolize`` decorator: classes and functions become symbolic."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from graftlab.symbolic.errors import SchemaError
from graftlab.symbolic.functions import symbolize_function
from graftlab.symbolic.objects import symbolize_class

T = TypeVar("T")


@overload
def symbolize(target: type[T], /) -> type[T]: ...
@overload
def symbolize(target: Callable[..., Any], /) -> Any: ...
@overload
def symbolize(
    *,
    runtime: Iterable[str] = ...,
    name: str | None = ...,
    rederive: bool = ...,
    roles: Any = ...,
) -> Callable[[T], T]: ...


def symbolize(
    target: Any = None,
    /,
    *,
    runtime: Iterable[str] = (),
    name: str | None = None,
    rederive: bool = True,
    roles: Any = None,
) -> Any:
    """Make a class (in place) or a function symbolic.

    ``runtime`` names constructor arguments supplied when the object is built rather than
    written in an experiment (NNX's ``rngs``); ``name`` adds a registry alias;
    ``rederive=False`` keeps ``__init__`` from re-running after an edit; ``roles`` declares
    the roles the class plays (``{"conv": {"features": "out_channels"}}``, see
    ``graftlab.symbolic.roles``).
    """
    if target is None:
        return lambda t: symbolize(t, runtime=runtime, name=name, rederive=rederive, roles=roles)
    if isinstance(target, type):
        cls = symbolize_class(target, runtime=runtime, name=name, rederive=rederive)
        if roles is not None:
            from graftlab.symbolic.roles import declare_roles

            declare_roles(cls, roles)
        return cls
    if roles is not None:
        raise SchemaError(f"roles are declared on classes, not on functions ({target!r})")
    if inspect.isfunction(target) or inspect.isbuiltin(target) or inspect.ismethod(target):
        return symbolize_function(target, name=name, runtime=runtime)
    raise SchemaError(
        f"symbolize expects a class or a function, got {type(target).__name__} {target!r}"
    )


def is_symbolic(value: Any) -> bool:
    """Whether ``value`` is a symbolic object, list or dict."""
    from graftlab.symbolic.nodes import is_node

    return is_node(value)


def schema_of(target: Any) -> Any:
    """The schema of a symbolic class, function or object (``None`` if it has none)."""
    t = target if isinstance(target, type) else type(target)
    return t.__dict__.get("__sym_schema__") or getattr(t, "__sym_schema__", None)

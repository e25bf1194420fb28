"""``symbolize`` for functions: a symbolic, re-callable, partially bound call.

``@symbolize`` on ``def make_opt(lr: float, momentum: float = 0.9)`` turns ``make_opt`` into
a symbolic class: ``make_opt(lr=0.1)`` validates and returns a bound call (missing arguments
are allowed until it is invoked), and calling that object runs the function, with keyword
overrides if given. ``inspect.signature(make_opt)`` is the function's own signature.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from typing import Any

from graftlab.symbolic import registry
from graftlab.symbolic.errors import MissingArgumentError
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.objects import symbolize_class


class Call:
    """Base class of symbolic function calls; see ``symbolize``."""

    __sym_function__: Callable[..., Any]
    __sym_returns__: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Arguments are recorded by the symbolic wrapper; nothing else to keep.
        pass

    def __call__(self, **overrides: Any) -> Any:
        """Run the function with the bound arguments (and ``overrides`` on top)."""
        schema = type(self).__sym_schema__  # type: ignore[attr-defined]
        values = dict(self.__dict__["_sym_"].args)
        for k, v in overrides.items():
            values[k] = schema.check_value(k, v)
        missing = [f.name for f in schema.fields.values() if f.required and f.name not in values]
        if missing:
            raise MissingArgumentError(
                f"{type(self).__qualname__} cannot be called: missing {', '.join(map(repr, missing))}",
                KeyPath((missing[0],)),
            )
        pos, kw = schema.call_args(values)
        return type(self).__sym_function__(*pos, **kw)

    @property
    def is_complete(self) -> bool:
        """Whether every required argument is bound."""
        schema = type(self).__sym_schema__  # type: ignore[attr-defined]
        args = self.__dict__["_sym_"].args
        return all(f.name in args for f in schema.fields.values() if f.required)


def symbolize_function(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    runtime: Iterable[str] = (),
    base: type[Call] = Call,
    drop_first: bool = False,
) -> type[Call]:
    """Turn ``fn`` into a symbolic call class named like it (see the module doc).

    ``base`` is the class to derive from; ``drop_first`` leaves the function's first
    parameter out of the schema (patch rules receive their target there).
    """
    sig = inspect.signature(fn)
    if drop_first:
        sig = sig.replace(parameters=list(sig.parameters.values())[1:])
    try:
        hints = typing.get_type_hints(fn)
    except Exception:
        hints = {}
    # Positional-only, so that it may precede the function's own positional-only parameters.
    params = [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY),
        *sig.parameters.values(),
    ]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        pass

    __init__.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    __init__.__annotations__ = dict(getattr(fn, "__annotations__", {}))
    __init__.__doc__ = fn.__doc__
    __init__.__module__ = fn.__module__
    namespace = {
        "__init__": __init__,
        "__module__": fn.__module__,
        "__qualname__": fn.__qualname__,
        "__doc__": fn.__doc__,
        "__sym_function__": staticmethod(fn),
        "__sym_returns__": hints.get(
            "return", sig.return_annotation if sig.return_annotation is not sig.empty else None
        ),
        "__signature__": sig,
        "__wrapped__": staticmethod(fn),
        "__sym_manual__": True,
    }
    cls = type(fn.__name__, (base,), namespace)
    _fix_annotations(cls, fn)
    symbolize_class(cls, name=name, runtime=runtime)
    schema = cls.__sym_schema__  # type: ignore[attr-defined]
    schema.allow_partial = True
    schema.rederive_on_edit = False
    registry.register(cls, name)
    return cls


def _fix_annotations(cls: type, fn: Callable[..., Any]) -> None:
    # String annotations must resolve in the function's module, not in this one.
    init = cls.__dict__["__init__"]
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception:
        return
    init.__annotations__ = {k: v for k, v in hints.items()}


def is_call(value: Any) -> bool:
    """Whether ``value`` is a bound symbolic call."""
    return isinstance(value, Call)

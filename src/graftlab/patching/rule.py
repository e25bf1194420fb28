"""Patch rules: ``@gl.patcher`` turns ``fn(target, typed args...)`` into a named rule.

A rule is a symbolic call class (like a symbolized function) whose schema is the function's
arguments after the target, so a bound rule (``scale_width(factor=2)``) can be stored,
diffed, serialized and composed. Applying it calls ``fn(target, **args)``; what the body
returns says what to change (see ``graftlab.patching.apply``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar, overload

from graftlab.patching.errors import RuleRegistryError
from graftlab.patching.registry import register_rule
from graftlab.patching.uri import _NAME, format_uri
from graftlab.symbolic.equality import eq
from graftlab.symbolic.functions import Call, symbolize_function
from graftlab.symbolic.schema import MISSING

F = TypeVar("F", bound=Callable[..., Any])


class Rule(Call):
    """Base class of patch rules; instances are rules with bound arguments."""

    __sym_rule_name__: str = ""
    __sym_optional__: bool = False
    __sym_validator__: Callable[..., Any] | None = None
    __sym_needs_roles__: tuple[str, ...] = ()

    @property
    def rule_name(self) -> str:
        """The registered name (``scale_width``, ``team_b/swap_conv``)."""
        return type(self).__sym_rule_name__

    @property
    def optional(self) -> bool:
        """Whether changing nothing is acceptable for this rule."""
        return type(self).__sym_optional__

    @property
    def bound_args(self) -> dict[str, Any]:
        """The arguments this rule is bound to (defaults filled in)."""
        return dict(self.__dict__["_sym_"].args)

    def uri(self) -> str:
        """The canonical URI: the name and every argument that differs from its default."""
        schema = type(self).__sym_schema__  # type: ignore[attr-defined]
        shown = {}
        for k, v in self.__dict__["_sym_"].args.items():
            f = schema.fields.get(k)
            if f is None or f.default is MISSING or not eq(v, f.default):
                shown[k] = v
        return format_uri(self.rule_name, shown)

    def __call__(self, target: Any, **overrides: Any) -> Any:  # type: ignore[override]
        """The raw result of the rule's body on ``target`` (not yet applied)."""
        schema = type(self).__sym_schema__  # type: ignore[attr-defined]
        values = dict(self.__dict__["_sym_"].args)
        for k, v in overrides.items():
            values[k] = schema.check_value(k, v)
        pos, kw = schema.call_args(values)
        return type(self).__sym_function__(target, *pos, **kw)

    def validate(self, target: Any) -> None:
        """Run the rule's validator (if it has one) on a patched result."""
        validator = type(self).__sym_validator__
        if validator is None:
            return
        params = len(inspect.signature(validator).parameters)
        if params >= 2:
            validator(target, **self.bound_args) if params > 2 else validator(target, self)
        else:
            validator(target)


@overload
def patcher(fn: F, /) -> type[Rule]: ...
@overload
def patcher(
    name: str | None = None,
    /,
    *,
    optional: bool = False,
    validator: Callable[..., Any] | None = None,
    roles: tuple[str, ...] = (),
) -> Callable[[F], type[Rule]]: ...


def patcher(
    name: Any = None,
    /,
    *,
    optional: bool = False,
    validator: Callable[..., Any] | None = None,
    roles: tuple[str, ...] = (),
) -> Any:
    """Make a function ``fn(target, args...)`` a named, typed patch rule.

    ``@gl.patcher`` names the rule after the function; ``@gl.patcher("team/name")`` names it
    explicitly. ``optional=True`` lets the rule change nothing; ``validator(result)`` runs
    after the whole chain and raises to reject the result. ``roles`` names the roles the
    rule works on (documentation for ``graft patches``; each must be a known role).
    """
    if callable(name) and not isinstance(name, str):
        return _make(name, None, optional, validator)

    def decorate(fn: F) -> type[Rule]:
        return _make(fn, name, optional, validator, roles)

    return decorate


def _make(
    fn: Callable[..., Any],
    name: str | None,
    optional: bool,
    validator: Any,
    roles: tuple[str, ...] = (),
) -> type[Rule]:
    params = list(inspect.signature(fn).parameters.values())
    if not params or params[0].kind not in (
        params[0].POSITIONAL_ONLY,
        params[0].POSITIONAL_OR_KEYWORD,
    ):
        raise RuleRegistryError(
            f"a patch rule takes the target as its first argument: {fn.__qualname__}"
        )
    rule_name = fn.__name__ if name is None else name
    if not _NAME.match(rule_name):
        raise RuleRegistryError(
            f"bad rule name {rule_name!r}: use letters, digits, '_', '.', '-' and '/' for namespaces"
        )
    from graftlab.symbolic.roles import get_role

    for role in roles:
        get_role(role)
    cls = symbolize_function(fn, base=Rule, drop_first=True)
    cls.__sym_needs_roles__ = tuple(roles)  # type: ignore[attr-defined]
    cls.__sym_rule_name__ = rule_name  # type: ignore[attr-defined]
    cls.__sym_optional__ = optional  # type: ignore[attr-defined]
    cls.__sym_validator__ = staticmethod(validator) if validator is not None else None  # type: ignore[attr-defined]
    register_rule(rule_name, cls)
    return cls  # type: ignore[return-value]


def is_rule(value: Any) -> bool:
    """Whether ``value`` is a bound rule."""
    return isinstance(value, Rule)

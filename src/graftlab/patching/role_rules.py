"""Rules written against roles rather than classes: they reach every codebase whose classes
declare the role (``graftlab.symbolic.roles``)."""

from __future__ import annotations

from typing import Any

from graftlab.patching.rule import patcher
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.registry import lookup
from graftlab.symbolic.roles import RoleError, carry, get_role, roles_of, view


@patcher("swap_role")
def swap_role(target: Any, role: str, to: str) -> Any:
    """Replace every object that plays ``role`` with a ``to`` object carrying all its role
    arguments (an error names any the new class cannot take).

    Args:
      role: the role to swap (``conv``, ``norm``, ``team_b/dynamic_conv``...).
      to: the registered name of the new class (``team_b.layers.DynamicConv``).
    """
    get_role(role)
    cls = lookup(to)
    if role not in roles_of(cls):
        raise RoleError(f"swap_role: {to} does not play role {role!r}")

    def fn(path: KeyPath, value: Any) -> Any:
        if type(value) is not cls and role in roles_of(value) and _symbolic(value):
            return carry(view(value, role, path), cls)
        return value

    return fn


def _symbolic(value: Any) -> bool:
    d = getattr(value, "__dict__", None)
    return isinstance(d, dict) and "_sym_" in d

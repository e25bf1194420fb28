"""Rules written against roles rather than classes: they reach every codebase whose classes
declare the role (``graftlab.symbolic.roles``)."""

from __future__ import annotations

from typing import Annotated, Any

from graftlab.patching.rule import patcher
from graftlab.symbolic.constraints import Range
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


def head_paths(target: Any) -> set[KeyPath]:
    """Key paths of the arguments that hold a classifier's number of classes (and the objects
    that hold them): width rules leave the output layer alone."""
    from graftlab.symbolic.roles import query_roles

    out: set[KeyPath] = set()
    for v in query_roles(target, "classifier_head", include_root=True).values():
        if "num_classes" in v:
            p = v.path_to("num_classes")
            out.update({p, p.parent})
    return out


@patcher("widen", roles=("conv", "dense", "classifier_head"))
def widen(
    target: Any,
    factor: Annotated[float, Range(0.0, None)] = 2.0,
    role: str = "conv",
    minimum: int = 1,
) -> Any:
    """Scale ``features`` of everything that plays ``role`` (``conv``, ``dense``), whatever
    its class calls it, leaving a classifier's output layer alone.

    Args:
      factor: the width multiplier.
      role: the role whose ``features`` to scale.
      minimum: the smallest width.
    """
    from graftlab.symbolic.roles import query_roles

    if "features" not in get_role(role).args:
        raise RoleError(f"widen: role {role!r} has no 'features' argument")
    heads = head_paths(target)
    edits: dict[str, Any] = {}
    for path, v in query_roles(target, role, include_root=True).items():
        if "features" not in v or path in heads or v.path_to("features") in heads:
            continue
        width = v["features"]
        if isinstance(width, int) and not isinstance(width, bool):
            key, value = v.edit("features", max(minimum, round(width * factor)))
            edits[key] = value
    return edits

"""Which classes play which roles, and how their own arguments map onto each role's arguments.

A declaration says "``StdConv`` is a ``conv``; its ``features`` is my ``out_channels``". It is
made in code (``@gl.symbolize(roles=...)`` or :func:`declare_roles`) or, for a class whose
source a team cannot edit, in ``graft.toml`` (:func:`declare_from_config`), by the class's
qualified name, so nothing is imported to declare it. A role argument that is not mapped
maps to the class argument of the same name when there is one. Declarations are inherited
by subclasses; the nearest class's declaration of a role wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graftlab.symbolic.registry import type_name
from graftlab.symbolic.roles.vocabulary import RoleError, define_role, get_role

RoleSpec = str | Iterable[str] | Mapping[str, Mapping[str, str | None] | None]


@dataclass(frozen=True)
class RoleBinding:
    """One class's declaration of one role: role argument -> the class's argument (a key path
    relative to the object, ``head.features``), or ``None`` where the class has no such
    argument."""

    role: str
    mapping: Mapping[str, str | None]
    source: str = ""

    def arg_path(self, role_arg: str) -> str | None:
        """The class argument that holds ``role_arg`` (``None`` if the class has none)."""
        return self.mapping.get(role_arg)


_DECLARED: dict[str, dict[str, RoleBinding]] = {}
_CACHE: dict[type, dict[str, RoleBinding]] = {}


def _normalize(roles: RoleSpec, where: str) -> dict[str, dict[str, str | None]]:
    if isinstance(roles, str):
        return {roles: {}}
    if isinstance(roles, Mapping):
        out: dict[str, dict[str, str | None]] = {}
        for name, mapping in roles.items():
            if mapping is not None and not isinstance(mapping, Mapping):
                raise RoleError(
                    f"{where}: role {name!r} maps role arguments to argument names, "
                    f"got {type(mapping).__name__}"
                )
            out[str(name)] = {str(k): v for k, v in (mapping or {}).items()}
        return out
    return {str(name): {} for name in roles}


def declare_roles(target: Any, roles: RoleSpec, *, source: str = "") -> None:
    """Declare the roles a class plays (``target`` is the class or its qualified name).

    ``roles`` is a role name, a list of them, or ``{role: {role_arg: class_arg}}``. Role
    names and role arguments are checked now; class arguments when the class is first used.
    """
    name = target if isinstance(target, str) else type_name(target)
    where = source or name
    table = _normalize(roles, where)
    decls = _DECLARED.setdefault(name, {})
    for role_name, mapping in table.items():
        role = get_role(role_name)
        for arg, cls_arg in mapping.items():
            if arg not in role.args:
                raise RoleError(
                    f"{where}: role {role_name!r} has no argument {arg!r}"
                    f" (it has: {', '.join(role.args) or 'none'})"
                )
            if cls_arg is not None and (not isinstance(cls_arg, str) or not cls_arg):
                raise RoleError(
                    f"{where}: {role_name}.{arg} must name an argument of the class, got {cls_arg!r}"
                )
        decls[role_name] = RoleBinding(role_name, dict(mapping), source or name)
    _CACHE.clear()


def forget_roles(target: Any) -> None:
    """Remove every declaration made for a class (tests, interactive sessions)."""
    _DECLARED.pop(target if isinstance(target, str) else type_name(target), None)
    _CACHE.clear()


def _fields(cls: type) -> Mapping[str, Any]:
    schema = cls.__dict__.get("__sym_schema__") or getattr(cls, "__sym_schema__", None)
    return schema.fields if schema is not None else {}


def _resolve(cls: type, binding: RoleBinding) -> RoleBinding:
    role = get_role(binding.role)
    fields = _fields(cls)
    mapping: dict[str, str | None] = {}
    for arg in role.args:
        if arg in binding.mapping:
            target = binding.mapping[arg]
            if target is not None and target.split(".")[0].split("[")[0] not in fields:
                raise RoleError(
                    f"{binding.source}: role {binding.role!r} maps {arg!r} to {target!r}, "
                    f"but {cls.__qualname__} has no argument {target.split('.')[0]!r}"
                    f" (it has: {', '.join(fields) or 'none'})"
                )
            mapping[arg] = target
        else:
            mapping[arg] = arg if arg in fields else None
    return RoleBinding(binding.role, mapping, binding.source)


def roles_of(target: Any) -> dict[str, RoleBinding]:
    """The roles a class (or an object's class) plays, with resolved argument mappings."""
    cls = target if isinstance(target, type) else type(target)
    cached = _CACHE.get(cls)
    if cached is not None:
        return cached
    out: dict[str, RoleBinding] = {}
    if _DECLARED:
        for base in reversed(cls.__mro__):
            for role_name, binding in _DECLARED.get(type_name(base), {}).items():
                out[role_name] = binding
        out = {k: _resolve(cls, b) for k, b in out.items()}
    _CACHE[cls] = out
    return out


def plays(target: Any, role: str) -> bool:
    """Whether a class or object plays ``role``."""
    return role in roles_of(target)


def declare_from_config(table: Mapping[str, Any], *, file: str = "graft.toml") -> int:
    """Read a ``[roles]`` table (as in ``graft.toml``); returns how many classes it declares.

    ``[roles.define."team/name"]`` adds a team's role (``args = {width = "int"}``, ``doc``);
    ``[roles.classes."pkg.mod.Class"]`` maps ``role = {role_arg = "class_arg"}`` (or
    ``role = {}`` when every role argument has the same name in the class).
    """
    if not isinstance(table, Mapping):
        raise RoleError(f"{file}: [roles] must be a table")
    unknown = set(table) - {"define", "classes"}
    if unknown:
        raise RoleError(
            f"{file}: [roles] has unknown key(s) {', '.join(sorted(unknown))} "
            "(expected 'define' and 'classes')"
        )
    for name, spec in dict(table.get("define", {})).items():
        if not isinstance(spec, Mapping):
            raise RoleError(f"{file}: roles.define.{name!r} must be a table")
        define_role(
            name,
            spec.get("args", {}),
            str(spec.get("doc", "")),
            provider=file,
            neutral=spec.get("neutral"),
        )
    classes = dict(table.get("classes", {}))
    for cls_name, roles in classes.items():
        if not isinstance(roles, Mapping):
            raise RoleError(f"{file}: roles.classes.{cls_name!r} must map role names to tables")
        declare_roles(cls_name, roles, source=f"{file}: roles.classes.{cls_name!r}")
    return len(classes)


def declared() -> dict[str, dict[str, RoleBinding]]:
    """Every declaration as made (qualified class name -> role -> binding), for tools."""
    return {k: dict(v) for k, v in _DECLARED.items()}

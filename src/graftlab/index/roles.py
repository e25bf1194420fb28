"""Roles, read statically: which roles a class plays and through which of its arguments.

Three sources, as at run time (``graftlab.symbolic.roles``) but without importing anything:
the literal ``roles=`` of a ``symbolize`` decorator or call (kept by the scanner), the root
``graft.toml``'s ``[roles.classes]`` table, and graftlab's own table in
``graftlab/ml/roles.py`` (its ``DECLARATIONS`` dict, read with ``ast``). Declarations are
inherited along the class's MRO; a role argument that is not mapped maps to the class
argument of the same name, if there is one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graftlab.symbolic.roles.vocabulary import STANDARD

if TYPE_CHECKING:  # the scanner (and libcst) stay off the language server's start-up
    from graftlab.index.scanner import ModuleScan

RoleTable = dict[str, dict[str, str | None]]  # role -> role argument -> class argument


def normalize_roles(value: Any) -> dict[str, dict[str, str | None]] | None:
    """``roles=`` data in the one shape the index keeps (``None`` when it is malformed)."""
    if isinstance(value, str):
        return {value: {}}
    if isinstance(value, dict):
        out: dict[str, dict[str, str | None]] = {}
        for role, mapping in value.items():
            if not isinstance(role, str) or not isinstance(mapping, dict | type(None)):
                return None
            out[role] = {
                str(k): v for k, v in (mapping or {}).items() if v is None or isinstance(v, str)
            }
        return out
    if isinstance(value, list | tuple) and all(isinstance(r, str) for r in value):
        return {r: {} for r in value}
    return None


def vocabulary(config_raw: Mapping[str, Any]) -> dict[str, tuple[list[str], str]]:
    """Role name -> (its argument names, its doc): the standard ones and ``[roles.define]``."""
    out = {name: (list(r.args), r.doc) for name, r in STANDARD.items()}
    roles = config_raw.get("roles")
    define = roles.get("define") if isinstance(roles, Mapping) else None
    for name, spec in (define or {}).items():
        if isinstance(spec, Mapping):
            args = spec.get("args")
            out[str(name)] = (
                [str(a) for a in args] if isinstance(args, Mapping) else [],
                str(spec.get("doc", "")),
            )
    return out


def own_declarations(path: Path) -> dict[str, RoleTable]:
    """graftlab's own table (``DECLARATIONS = {module.Class: {...}}``), by qualified name."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    modules: dict[str, str] = {}
    constants: dict[str, Any] = {}
    table: ast.expr | None = None
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for alias in stmt.names:
                modules[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
        target = _assigned(stmt)
        if target is None or stmt.value is None:  # type: ignore[attr-defined]
            continue
        if target == "DECLARATIONS":
            table = stmt.value  # type: ignore[attr-defined]
        else:
            try:
                constants[target] = ast.literal_eval(stmt.value)  # type: ignore[attr-defined]
            except (ValueError, SyntaxError, TypeError):
                pass
    out: dict[str, RoleTable] = {}
    if not isinstance(table, ast.Dict):
        return out
    for key, value in zip(table.keys, table.values, strict=True):
        if not (isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name)):
            continue
        module = modules.get(key.value.id)
        if module is None:
            continue
        if isinstance(value, ast.Name):
            data = constants.get(value.id)
        else:
            try:
                data = ast.literal_eval(value)
            except (ValueError, SyntaxError, TypeError):
                continue
        roles = normalize_roles(data)
        if roles is not None:
            out[f"{module}.{key.attr}"] = roles
    return out


def _assigned(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        t = stmt.targets[0]
        return t.id if isinstance(t, ast.Name) else None
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None


def declarations(
    scans: Iterable[ModuleScan], config_raw: Mapping[str, Any], own: Mapping[str, RoleTable]
) -> dict[str, RoleTable]:
    """Every declaration found, by the qualified name of the class that makes it."""
    out: dict[str, RoleTable] = {q: dict(r) for q, r in own.items()}
    for scan in scans:
        for rc in scan.classes:
            for dec in rc.decorators:
                if dec.kind == "symbolize" and dec.roles:
                    out.setdefault(f"{scan.module}.{rc.qualname}", {}).update(dec.roles)
        for ext in scan.external:
            if ext.roles:
                out.setdefault(ext.target, {}).update(ext.roles)
    roles = config_raw.get("roles")
    classes = roles.get("classes") if isinstance(roles, Mapping) else None
    for name, table in (classes or {}).items():
        norm = normalize_roles(dict(table)) if isinstance(table, Mapping) else None
        if norm is not None:
            out.setdefault(str(name), {}).update(norm)
    return out


def resolve(
    declared: Mapping[str, RoleTable],
    mro: list[str],
    arg_names: Iterable[str],
    vocab: Mapping[str, tuple[list[str], str]],
) -> RoleTable:
    """The roles a class (``mro[0]``) plays, each role argument mapped to a class argument
    (``None`` where the class has none), as ``graftlab.symbolic.roles.roles_of`` does."""
    merged: RoleTable = {}
    for q in reversed(mro):
        merged.update(declared.get(q, {}))
    names = set(arg_names)
    out: RoleTable = {}
    for role, mapping in merged.items():
        role_args = vocab[role][0] if role in vocab else list(mapping)
        out[role] = {a: mapping.get(a, a if a in names else None) for a in role_args}
    return out


def describe(roles: Mapping[str, Mapping[str, str | None]]) -> str:
    """``conv (features <- out_channels, kernel_size), classifier_head`` for a hover."""
    parts = []
    for role, mapping in roles.items():
        args = [a if c == a else f"{a} <- {c}" for a, c in mapping.items() if c is not None]
        parts.append(f"{role} ({', '.join(args)})" if args else role)
    return ", ".join(parts)

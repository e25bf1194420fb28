"""Roles: a shared vocabulary (``conv``, ``norm``, ``classifier_head``, ...) that lets one rule
reach every codebase. See ``docs/roles.md``."""

from graftlab.symbolic.roles.bindings import (
    RoleBinding,
    declare_from_config,
    declare_roles,
    declared,
    forget_roles,
    plays,
    roles_of,
)
from graftlab.symbolic.roles.view import RoleView, carry, query_roles, view
from graftlab.symbolic.roles.vocabulary import (
    STANDARD,
    VOCABULARY_VERSION,
    Role,
    RoleArg,
    RoleError,
    all_roles,
    define_role,
    forget_role,
    get_role,
)

__all__ = [
    "STANDARD",
    "VOCABULARY_VERSION",
    "Role",
    "RoleArg",
    "RoleBinding",
    "RoleError",
    "RoleView",
    "all_roles",
    "carry",
    "declare_from_config",
    "declare_roles",
    "declared",
    "define_role",
    "forget_role",
    "forget_roles",
    "get_role",
    "plays",
    "query_roles",
    "roles_of",
    "view",
]

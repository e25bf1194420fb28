"""Patch rules: named, typed ideas applied by URI, composed into chains, with provenance."""

from graftlab.patching import role_rules as _role_rules  # noqa: F401  (registers swap_role)
from graftlab.patching.apply import as_rule, patch, rule_from_uri
from graftlab.patching.derived import Derived
from graftlab.patching.errors import (
    NoChangeError,
    PatchError,
    PatchValidationError,
    RuleRegistryError,
    UnknownRuleError,
    URIError,
)
from graftlab.patching.provenance import Provenance, provenance, provenances
from graftlab.patching.registry import get_rule, register_rule, rules, unregister_rule
from graftlab.patching.rule import Rule, is_rule, patcher
from graftlab.patching.uri import format_uri, parse_uri

__all__ = [
    "Derived",
    "NoChangeError",
    "PatchError",
    "PatchValidationError",
    "Provenance",
    "Rule",
    "RuleRegistryError",
    "URIError",
    "UnknownRuleError",
    "as_rule",
    "format_uri",
    "get_rule",
    "is_rule",
    "parse_uri",
    "patch",
    "patcher",
    "provenance",
    "provenances",
    "register_rule",
    "rule_from_uri",
    "rules",
    "unregister_rule",
]

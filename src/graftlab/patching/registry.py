"""The registry of patch rules by name, including rules published by installed packages.

Names are unique: registering a second rule under a taken name is an error (re-defining
the same function, as a module reload does, is not: the new definition replaces the old,
with a ``RuleRedefinedWarning`` when its code differs). Packages publish rules through the
``graftlab.patches`` entry-point group; those are imported the first time a rule is looked
up or listed.
"""

from __future__ import annotations

import difflib
import os
import sys
import time
import warnings
from typing import Any

from graftlab.patching.errors import RuleRegistryError, UnknownRuleError

ENTRY_POINT_GROUP = "graftlab.patches"

_RULES: dict[str, Any] = {}
_entry_points_loaded = False
_entry_point_errors: list[str] = []
# Rule packages by namespace: what graft.toml says provides a namespace (``[rule_packages]``).
_KNOWN_PROVIDERS: dict[str, str] = {}


def _identity(rule: Any) -> str:
    fn = rule.__sym_function__
    return f"{fn.__module__}.{fn.__qualname__}"


def register_rule(name: str, rule: Any) -> None:
    """Register ``rule`` (a rule class) under ``name``; a name taken by another rule is an error."""
    existing = _RULES.get(name)
    if existing is not None and existing is not rule and _identity(existing) != _identity(rule):
        raise RuleRegistryError(
            f"a patch rule named {name!r} already exists ({_identity(existing)}); "
            f"{_identity(rule)} needs another name (namespaced names like 'team/{name}' help)"
        )
    if existing is not None and existing is not rule and _code(existing) != _code(rule):
        # the same module.qualname redefined (a module reloaded in a notebook): the new
        # definition replaces the old one, but say so when its code changed
        warnings.warn(
            f"patch rule {name!r} ({_identity(rule)}) is redefined with different code: "
            "the new definition replaces the old one",
            RuleRedefinedWarning,
            stacklevel=3,
        )
    _RULES[name] = rule


class RuleRedefinedWarning(UserWarning):
    """A rule's ``module.qualname`` was registered again with different code."""


def _code(rule: Any) -> Any:
    fn = rule.__sym_function__
    code = getattr(fn, "__code__", None)
    return (code.co_code, code.co_consts, fn.__defaults__) if code is not None else None


def unregister_rule(name: str) -> None:
    """Remove a rule (for tests and interactive sessions)."""
    _RULES.pop(name, None)


def load_entry_points(force: bool = False) -> list[str]:
    """Import the modules that installed packages publish rules from; returns load errors."""
    global _entry_points_loaded
    if _entry_points_loaded and not force:
        return list(_entry_point_errors)
    _entry_points_loaded = True
    _entry_point_errors.clear()
    from importlib import metadata  # only when plug-ins are listed: it reads every package

    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as e:  # a broken plug-in must not break every other rule
            _entry_point_errors.append(f"{ep.name} ({ep.value}): {type(e).__name__}: {e}")
    return list(_entry_point_errors)


def get_rule(name: str, *, uri: str | None = None) -> Any:
    """The rule called ``name``; ``UnknownRuleError`` suggests close names."""
    rule = _RULES.get(name)
    if rule is not None:
        return rule
    load_entry_points()
    rule = _RULES.get(name)
    if rule is not None:
        return rule
    close = difflib.get_close_matches(name, list(_RULES), n=3)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    if "/" in name:
        hint += _package_hint(name.split("/", 1)[0])
    extra = (
        f" (plug-ins that failed to load: {'; '.join(_entry_point_errors)})"
        if _entry_point_errors
        else ""
    )
    raise UnknownRuleError(
        f"no patch rule named {name!r}{hint}{extra}", uri=uri, offset=0, length=len(name)
    )


def rules() -> dict[str, Any]:
    """Every registered rule by name (entry points loaded), sorted by name."""
    load_entry_points()
    return dict(sorted(_RULES.items()))


def registered_rules() -> dict[str, Any]:
    """The rules registered so far, by name (entry points not loaded), sorted by name."""
    return dict(sorted(_RULES.items()))


def _namespace_of(rule: Any) -> str | None:
    name = rule.__sym_rule_name__
    return name.split("/", 1)[0] if "/" in name else None


def rule_packages() -> dict[str, dict[str, str]]:
    """Installed rule packages: distribution name -> ``{"version", "module", "namespace"}``.

    A rule package is a distribution with a ``graftlab.patches`` entry point; the entry
    point's name is the namespace of its rules (``team_b`` for ``team_b/swap_conv``).
    """
    global _packages_cache
    key, settled = _search_path_state()
    if _packages_cache is not None and _packages_cache[0] == key:
        found = _packages_cache[1]
    else:
        found = _scan_rule_packages()
        _packages_cache = (key, found) if settled else None
    return {name: dict(info) for name, info in found.items()}


# (state of the import path, packages): scanning reads every installed package's metadata
# (~10 ms) and each recorded run asks; an install changes a path directory's mtime.
_packages_cache: tuple[tuple[Any, ...], dict[str, dict[str, str]]] | None = None
# File times are coarse (a few ms): a directory changed this recently may change again
# within the same tick, so its state is not trusted for caching.
_SETTLE_NS = 2_000_000_000


def _search_path_state() -> tuple[tuple[Any, ...], bool]:
    state = []
    newest = 0
    for entry in sys.path:
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = None
        state.append((entry, mtime))
        newest = max(newest, mtime or 0)
    return tuple(state), time.time_ns() - newest > _SETTLE_NS


def _scan_rule_packages() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    from importlib import metadata  # only when plug-ins are listed: it reads every package

    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        if dist is None:
            continue
        out[dist.metadata["Name"]] = {
            "version": dist.version,
            "module": ep.value.split(":")[0],
            "namespace": ep.name,
        }
    return dict(sorted(out.items()))


def _normal(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def package_of(rule: Any) -> str | None:
    """The installed distribution that provides ``rule`` (by its entry point's package)."""
    module = rule.__sym_function__.__module__
    for dist, info in rule_packages().items():
        top = info["module"].split(".")[0]
        if module == top or module.startswith(top + "."):
            return dist
    return None


def rules_of_package(package: str) -> dict[str, Any]:
    """The rules an installed rule package provides; ``RuleRegistryError`` if it is not one."""
    packages = {_normal(k): (k, v) for k, v in rule_packages().items()}
    found = packages.get(_normal(package))
    if found is None:
        known = ", ".join(k for k, _ in packages.values()) or "none"
        raise RuleRegistryError(
            f"no installed rule package named {package!r} (installed rule packages: {known})"
        )
    top = found[1]["module"].split(".")[0]
    return {
        n: r
        for n, r in rules().items()
        if r.__sym_function__.__module__ == top
        or r.__sym_function__.__module__.startswith(top + ".")
    }


def set_known_providers(providers: dict[str, str]) -> None:
    """Record which package provides each rule namespace (``[rule_packages]`` of graft.toml)."""
    _KNOWN_PROVIDERS.update(providers)


def _package_hint(namespace: str) -> str:
    installed = {info["namespace"]: dist for dist, info in rule_packages().items()}
    if namespace in installed:
        return (
            f"; the rule package {installed[namespace]!r} provides namespace {namespace!r} "
            "but has no such rule"
        )
    wanted = _KNOWN_PROVIDERS.get(namespace)
    if wanted is not None:
        return (
            f"; rules named '{namespace}/...' come from the rule package {wanted!r}, which is "
            f"not installed (pip install '{wanted}')"
        )
    return (
        f"; no installed rule package provides namespace {namespace!r} "
        "(list the package under [rule_packages] in graft.toml so graftlab can name it)"
    )

"""Which modules an experiment file may import: importing is executing.

graftlab's own modules are governed by an explicit list of the public modules that define
symbolic classes, functions, enums or rules and whose import does nothing else: never
``graftlab.*`` as a whole (that would reach ``graftlab.cli.__main__``, which runs ``graft``),
and never anything a repository's ``graft.toml`` says. The team's own modules come from the
root ``graft.toml``'s ``allowed_modules`` (a package allows its submodules). No module path
may contain ``__main__`` or another dunder part.
"""

from __future__ import annotations

from collections.abc import Iterable

# graftlab's public component modules. Each defines (or re-exports) symbolic classes,
# functions, enums or rules, and importing it defines names and nothing else. A test walks
# every module of graftlab and graftlab_lsp and checks that exactly these are accepted.
GRAFTLAB_MODULES: frozenset[str] = frozenset(
    {
        "graftlab",
        "graftlab.io.codecs",
        "graftlab.patching",
        "graftlab.patching.derived",
        "graftlab.ml",
        "graftlab.ml.activations",
        "graftlab.ml.attention",
        "graftlab.ml.blocks",
        "graftlab.ml.datasets",
        "graftlab.ml.experiment",
        "graftlab.ml.layers",
        "graftlab.ml.losses",
        "graftlab.ml.models",
        "graftlab.ml.optim",
        "graftlab.ml.rules",
        "graftlab.cli.demo_components",
        "graftlab.hyper",
        "graftlab.hyper.primitives",
    }
)
# Top-level packages whose modules only GRAFTLAB_MODULES may name.
OWN_PACKAGES = ("graftlab", "graftlab_lsp")


def _own(module: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in OWN_PACKAGES)


def import_refusal(module: str, allowed: Iterable[str]) -> str | None:
    """Why ``module`` may not be imported (``None`` if it may).

    ``allowed`` is the repository's ``allowed_modules``; entries naming graftlab's own
    packages are ignored (they cannot widen ``GRAFTLAB_MODULES``).
    """
    parts = module.split(".")
    head = f"import of {module!r} is not allowed"
    if not module or any(not p.isidentifier() for p in parts):
        return f"{head}: it is not a module name"
    if "__main__" in parts:
        return (
            f"{head}: a __main__ module is a program that runs when imported; "
            "experiment files never import one"
        )
    if any(p.startswith("__") for p in parts):
        return f"{head}: experiment files never import a module with a dunder name"
    if _own(module):
        if module in GRAFTLAB_MODULES:
            return None
        shown = ", ".join(sorted(GRAFTLAB_MODULES))
        return (
            f"{head}: of graftlab, experiment files may import only its component modules ({shown})"
        )
    user = [a for a in allowed if not _own(a)]
    if any(module == a or module.startswith(a + ".") for a in user):
        return None
    shown = ", ".join(["graftlab", *user])
    return f"{head}: allowed modules are {shown} (add it to allowed_modules in graft.toml)"


def import_allowed(module: str, allowed: Iterable[str]) -> bool:
    """Whether an experiment file may import ``module`` (see ``import_refusal``)."""
    return import_refusal(module, allowed) is None


def leads_to_allowed(package: str, allowed: Iterable[str]) -> bool:
    """Whether ``package`` is a parent of a module an experiment file may import."""
    prefix = package + "."
    if _own(package):
        return any(m.startswith(prefix) for m in GRAFTLAB_MODULES)
    return any(a.startswith(prefix) for a in allowed if not _own(a))

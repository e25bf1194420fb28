"""The static schema index: symbolic classes, patch rules and experiments of a workspace.

Built by reading source with the standard library's ``ast`` (user code is never imported or
run), cached on disk per
file, and updated incrementally; the language server answers completion, hover and
diagnostics from it. ``Index.for_workspace(root)`` is the entry point.

The names below are re-exported lazily: importing a light submodule (``graftlab.index.roles``,
``graftlab.index.model``) does not load the scanner, which the language server
needs only once it builds an index, not to answer ``initialize``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graftlab.index.model import (
        ArgInfo,
        ClassInfo,
        ExperimentInfo,
        Location,
        RuleInfo,
        to_json,
    )
    from graftlab.index.records import ModuleScan
    from graftlab.index.scanner import parse_count, scan_source
    from graftlab.index.workspace import Index

_WHERE = {
    "ArgInfo": "model",
    "ClassInfo": "model",
    "ExperimentInfo": "model",
    "Location": "model",
    "RuleInfo": "model",
    "to_json": "model",
    "ModuleScan": "records",
    "parse_count": "scanner",
    "scan_source": "scanner",
    "Index": "workspace",
}

__all__ = [
    "ArgInfo",
    "ClassInfo",
    "ExperimentInfo",
    "Index",
    "Location",
    "ModuleScan",
    "RuleInfo",
    "parse_count",
    "scan_source",
    "to_json",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'graftlab.index' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"graftlab.index.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

"""The static schema index: symbolic classes, patch rules and experiments of a workspace.

Built by reading source with libcst (user code is never imported or run), cached on disk per
file, and updated incrementally; the language server answers completion, hover and
diagnostics from it. ``Index.for_workspace(root)`` is the entry point.
"""

from graftlab.index.model import ArgInfo, ClassInfo, ExperimentInfo, Location, RuleInfo, to_json
from graftlab.index.scanner import ModuleScan, parse_count, scan_source
from graftlab.index.workspace import Index

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

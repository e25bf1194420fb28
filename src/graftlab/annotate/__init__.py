"""``graft annotate``: a libcst codemod that inserts ``@symbolize`` into existing code.

The codemod's names load on first use: libcst takes a tenth of a second to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftlab._lazy import lazy_exports
from graftlab.annotate.errors import AnnotateError, AnnotateSyntaxError, UsageError
from graftlab.annotate.selection import SKIP_REASONS, AnnotateConfig

if TYPE_CHECKING:
    from graftlab.annotate.codemod import Annotation, CodemodResult, Skip, annotate_source

_LAZY = dict.fromkeys(
    ("Annotation", "CodemodResult", "Skip", "annotate_source"), "graftlab.annotate.codemod"
)

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

__all__ = [
    "SKIP_REASONS",
    "AnnotateConfig",
    "AnnotateError",
    "AnnotateSyntaxError",
    "Annotation",
    "CodemodResult",
    "Skip",
    "UsageError",
    "annotate_source",
]

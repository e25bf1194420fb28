"""``graft annotate``: a libcst codemod that inserts ``@symbolize`` into existing code."""

from graftlab.annotate.codemod import Annotation, CodemodResult, Skip, annotate_source
from graftlab.annotate.errors import AnnotateError, AnnotateSyntaxError, UsageError
from graftlab.annotate.selection import SKIP_REASONS, AnnotateConfig

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

"""``graft annotate``: a libcst codemod that inserts ``@symbolize`` into existing code."""

from typing import Any

from graftlab.annotate.errors import AnnotateError, AnnotateSyntaxError, UsageError
from graftlab.annotate.selection import SKIP_REASONS, AnnotateConfig

_CODEMOD = ("Annotation", "CodemodResult", "Skip", "annotate_source")


def __getattr__(name: str) -> Any:
    # libcst takes a tenth of a second to import: only when the codemod is used.
    if name in _CODEMOD:
        from graftlab.annotate import codemod

        return getattr(codemod, name)
    raise AttributeError(name)


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

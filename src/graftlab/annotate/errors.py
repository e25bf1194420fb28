"""Error types of ``graft annotate``.

Every error that concerns a place in a file carries that place (``path:line:col``) so that
the command line can print one clear line and go on with the next file.
"""

from __future__ import annotations


class AnnotateError(Exception):
    """An error of the annotate tool, optionally located at ``path:line:col``."""

    def __init__(self, message: str, path: str | None = None, line: int = 0, col: int = 0) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        super().__init__(self.location_prefix() + message)

    def location_prefix(self) -> str:
        """Return ``"path:line:col: "`` (as much of it as is known), or ``""``."""
        if self.path is None:
            return ""
        if self.line <= 0:
            return f"{self.path}: "
        return f"{self.path}:{self.line}:{self.col}: "

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-friendly description of the error."""
        return {"path": self.path, "line": self.line, "col": self.col, "message": self.message}


class AnnotateSyntaxError(AnnotateError):
    """A file that is not valid Python (as far as libcst and this interpreter can tell)."""


class UsageError(AnnotateError):
    """A mistake in how the tool was called: bad path, bad glob, unknown option value."""

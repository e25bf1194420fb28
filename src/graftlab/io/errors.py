"""Errors of the experiment text format: each says where (file:line:col) and what is allowed."""

from __future__ import annotations

from collections.abc import Sequence

from graftlab.io.spans import Span
from graftlab.symbolic.errors import GraftError


class FormatError(GraftError):
    """A problem in an experiment file, with its position and the offending line."""

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        file: str = "<string>",
        source_line: str = "",
        path: object = None,
    ) -> None:
        self.message = message
        self.span = span
        self.file = file
        self.source_line = source_line
        self.path = path
        super().__init__(self.render())

    @property
    def line(self) -> int:
        return self.span.line if self.span else 0

    @property
    def column(self) -> int:
        return self.span.column if self.span else 0

    def location(self) -> str:
        """``file:line:col`` (column 1-based, as editors show it)."""
        if self.span is None:
            return self.file
        return f"{self.file}:{self.span.line}:{self.span.column + 1}"

    def render(self, with_source: bool = True) -> str:
        text = f"{self.location()}: {self.message}"
        if with_source and self.source_line and self.span is not None:
            caret_len = (
                max(1, self.span.end_column - self.span.column)
                if self.span.end_line == self.span.line
                else max(1, len(self.source_line) - self.span.column)
            )
            text += f"\n    {self.source_line}\n    {' ' * self.span.column}{'^' * caret_len}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild,
            (type(self), self.message, self.span, self.file, self.source_line, self.path),
        )


def _rebuild(
    cls: type, message: str, span: Span | None, file: str, source_line: str, path: object
) -> FormatError:
    return cls(message, span, file=file, source_line=source_line, path=path)  # type: ignore[no-any-return]


class FormatErrors(FormatError):
    """Several problems in one file; ``errors`` lists them in source order."""

    def __init__(self, errors: Sequence[FormatError]) -> None:
        ordered = sorted(errors, key=lambda e: (e.line, e.column))
        self.errors = list(ordered)
        first = self.errors[0]
        super().__init__(
            first.message,
            first.span,
            file=first.file,
            source_line=first.source_line,
            path=first.path,
        )

    def render(self, with_source: bool = True) -> str:
        errors = getattr(self, "errors", None)
        if not errors:
            return super().render(with_source)
        head = f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {errors[0].file}"
        return head + "\n" + "\n".join(e.render(with_source) for e in errors)

    def __reduce__(self) -> tuple[object, ...]:
        return (FormatErrors, (self.errors,))


class ImportNotAllowedError(FormatError):
    """An import of a module that is not on the allow-list."""


class WriteError(GraftError):
    """A value that cannot be written in the text format (names the key path)."""

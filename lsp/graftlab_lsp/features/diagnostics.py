"""Diagnostics: the parser's (instant), the static index's (restricted workspaces) and the
loader's (from the worker, trusted workspaces)."""

from __future__ import annotations

from typing import Any

from graftlab.io.spans import Span
from graftlab.io.syntax import parse
from graftlab_lsp.model import Diag, diag_code, span_diag


def static_diagnostics(text: str, file: str = "<string>") -> list[Diag]:
    """What the parser alone rejects (instant, no imports): syntax and disallowed constructs."""
    _module, errors, _src = parse(text, file)
    return [span_diag(e.span, e.message, code=diag_code(e.message)) for e in errors]


def index_diagnostics(index: Any, text: str) -> list[Diag]:
    """What the static index alone can decide (restricted workspaces: nothing imported)."""
    from graftlab_lsp.static_check import index_diagnostics as check

    return check(index, text)


def worker_diagnostics(result: dict[str, Any]) -> list[Diag]:
    """The loader's errors (from the worker) as diagnostics."""
    out = []
    for e in result.get("errors", []):
        span = Span(
            e.get("line", 1), e.get("column", 0), e.get("end_line", 1), e.get("end_column", 1)
        )
        out.append(
            span_diag(
                span, e["message"], code=diag_code(e["message"]), data={"path": e.get("path")}
            )
        )
    return out

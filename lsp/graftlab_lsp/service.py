"""The language features as one pure service: (document text, position) -> plain results.

A facade over ``graftlab_lsp.features`` (one module per feature) bound to a root's static
index. No LSP here (see ``server`` and ``handlers``): plain text, 0-based lines, code-point
columns, so every feature is testable without a client, as yaml-language-server and ruff do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graftlab_lsp.model import Action, Diag, Edit, Item, Symbol, doc_lines, span_diag

if TYPE_CHECKING:
    from graftlab_lsp.features import signature as _signature

# The features are imported on first use, not with this module: a root's service exists
# from ``initialize`` on, and the server answers ``initialize`` before they are needed.

__all__ = [
    "Action",
    "Diag",
    "Edit",
    "Item",
    "LanguageService",
    "Symbol",
    "doc_lines",
    "span_diag",
]


class LanguageService:
    """Every feature for experiment files, over one static index (``None``: none yet)."""

    def __init__(self, index: Any) -> None:
        self.index = index

    def resolve_name(self, text: str, dotted: str) -> Any:
        """The ClassInfo a (dotted) name in this document refers to, through its imports."""
        from graftlab_lsp.names import resolve_name

        return resolve_name(self.index, text, dotted)

    def _arg(self, info: Any, name: str) -> Any:
        from graftlab_lsp.names import arg_of

        return arg_of(info, name)

    def complete(self, text: str, line: int, column: int) -> list[Item]:
        """Completion items at a position (0-based line, code-point column)."""
        from graftlab_lsp.features import completion as _completion

        return _completion.complete(self.index, text, line, column)

    def hover(
        self, text: str, line: int, column: int, derived: dict[str, Any] | None = None
    ) -> str | None:
        """Markdown for the thing under the cursor."""
        from graftlab_lsp.features import hover as _hover

        return _hover.hover(self.index, text, line, column, derived)

    def definition(self, text: str, line: int, column: int) -> Any:
        """A ``Location`` for the class, argument, rule or base under the cursor."""
        from graftlab_lsp.features import definition as _definition

        return _definition.definition(self.index, text, line, column)

    def signature_help(self, text: str, line: int, column: int) -> _signature.Signature | None:
        """The call's or patch URI's signature around the cursor, with the active argument."""
        from graftlab_lsp.features import signature as _signature

        return _signature.signature_help(self.index, text, line, column)

    def symbols(self, text: str) -> list[Symbol]:
        """The experiment tree by key path (from the last text that parsed)."""
        from graftlab_lsp.features import symbols as _symbols

        return _symbols.symbols(text)

    def static_diagnostics(self, text: str, file: str = "<string>") -> list[Diag]:
        """What the parser alone rejects (instant, no imports)."""
        from graftlab_lsp.features import diagnostics as _diagnostics

        return _diagnostics.static_diagnostics(text, file)

    def index_diagnostics(self, text: str) -> list[Diag]:
        """What the static index alone can decide (restricted workspaces: nothing imported)."""
        from graftlab_lsp.features import diagnostics as _diagnostics

        return _diagnostics.index_diagnostics(self.index, text)

    def worker_diagnostics(self, result: dict[str, Any]) -> list[Diag]:
        """The loader's errors (from the worker) as diagnostics."""
        from graftlab_lsp.features import diagnostics as _diagnostics

        return _diagnostics.worker_diagnostics(result)

    def code_actions(self, text: str, diagnostics: list[Diag]) -> list[Action]:
        """Quick fixes; the first action offered for a diagnostic is the preferred one."""
        from graftlab_lsp.features import code_actions as _actions

        return _actions.code_actions(self.index, text, diagnostics)

"""Between the service's plain results and the protocol: UTF-16 positions, ranges, kinds.

A mixin of the server (it needs the workspace's position codec) and plain helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as t

from graftlab_lsp.model import Item

KINDS = {
    "class": t.CompletionItemKind.Class,
    "function": t.CompletionItemKind.Function,
    "keyword": t.CompletionItemKind.Property,
    "value": t.CompletionItemKind.Value,
    "rule": t.CompletionItemKind.Event,
    "module": t.CompletionItemKind.Module,
    "experiment": t.CompletionItemKind.File,
    "enum": t.CompletionItemKind.Enum,
}
SEVERITY = {
    "error": t.DiagnosticSeverity.Error,
    "warning": t.DiagnosticSeverity.Warning,
    "information": t.DiagnosticSeverity.Information,
}


def uri_to_path(uri: str) -> Path:
    """The file a ``file://`` URI names."""
    return Path(unquote(urlparse(uri).path))


def target_uri(root: Path | None, file: str) -> str:
    """The URI of a file the index names (relative to the root, or absolute)."""
    path = Path(file)
    if not path.is_absolute() and root is not None:
        path = root / path
    return path.resolve().as_uri()


class PositionsMixin:
    """Positions and items in the client's units (UTF-16 for VS Code)."""

    workspace: Any

    def pos_in(self, lines: list[str], pos: t.Position) -> tuple[int, int]:
        p = self.workspace.position_codec.position_from_client_units(lines, pos)
        return p.line, p.character

    def range_out(
        self, lines: list[str], line: int, col: int, end_line: int, end_col: int
    ) -> t.Range:
        rng = t.Range(
            t.Position(max(0, line), max(0, col)), t.Position(max(0, end_line), max(0, end_col))
        )
        try:
            return self.workspace.position_codec.range_to_client_units(lines, rng)
        except Exception:
            return rng

    def item_out(
        self,
        item: Item,
        lines: list[str],
        line: int = 0,
        column: int = 0,
        import_at: int | None = None,
        state: Any = None,
    ) -> t.CompletionItem:
        if item.replace_from is not None and item.replace_from <= column:
            return self._item_out(item, lines, line, column, import_at, state)
        # Without a text edit an item does not depend on the cursor: the same class's item
        # is reused on every keystroke (a list of 150 cost ~1.5 ms to build). The protocol
        # objects are never changed after they are made (resolve gets the client's copy).
        root = str(state.path) if state is not None and state.path else None
        at = import_line(lines) if item.import_line and import_at is None else import_at
        key = (
            item.label,
            item.kind,
            item.detail,
            item.documentation,
            item.insert_text,
            item.sort_text,
            item.import_line,
            at if item.import_line else None,
            root,
        )
        out = _ITEMS.get(key)
        if out is None:
            if len(_ITEMS) >= _ITEMS_MAX:
                _ITEMS.clear()
            out = _ITEMS[key] = self._item_out(item, lines, line, column, at, state)
        return out

    def _item_out(
        self,
        item: Item,
        lines: list[str],
        line: int,
        column: int,
        import_at: int | None,
        state: Any,
    ) -> t.CompletionItem:
        edits = None
        if item.import_line:
            at = import_line(lines) if import_at is None else import_at
            edits = [
                t.TextEdit(t.Range(t.Position(at, 0), t.Position(at, 0)), item.import_line + "\n")
            ]
        text_edit = None
        if item.replace_from is not None and item.replace_from <= column:
            rng = self.range_out(lines, line, item.replace_from, line, column)
            text_edit = t.TextEdit(rng, item.insert_text or item.label)
        # A class's documentation (its docstring) is sent when the item is resolved: lists
        # of every class stay small.
        lazy = item.kind in ("class", "function") and bool(item.documentation)
        return t.CompletionItem(
            label=item.label,
            kind=KINDS.get(item.kind),
            detail=item.detail or None,
            documentation=t.MarkupContent(t.MarkupKind.Markdown, item.documentation)
            if item.documentation and not lazy
            else None,
            data={
                "qualname": item.detail.split("(", 1)[0],
                "root": str(state.path) if state is not None and state.path else None,
            }
            if lazy
            else None,
            insert_text=item.insert_text if text_edit is None else None,
            text_edit=text_edit,
            sort_text=item.sort_text,
            additional_text_edits=edits,
        )


# protocol completion items without a text edit, by everything they are made from
_ITEMS: dict[tuple[Any, ...], t.CompletionItem] = {}
_ITEMS_MAX = 8192


def import_line(lines: list[str]) -> int:
    """The line after the last import (imports come first in an experiment file)."""
    last = 0
    for i, line in enumerate(lines):
        if line.startswith(("from ", "import ")):
            last = i + 1
        elif line.strip() and not line.startswith(("#", " ", "\t", '"', "'", ")")) and last:
            break  # the first statement after the imports
    return last

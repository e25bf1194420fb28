"""Completion and completion-item resolve (a class's docstring is sent on resolve)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types as t

from graftlab_lsp.app import document, server
from graftlab_lsp.convert import import_line
from graftlab_lsp.core import GraftServer
from graftlab_lsp.model import Item


@server.feature(
    t.TEXT_DOCUMENT_COMPLETION,
    t.CompletionOptions(
        trigger_characters=["(", ",", "=", "?", "&", '"', "'", " ", "."], resolve_provider=True
    ),
)
@server.thread()
def completion(ls: GraftServer, params: t.CompletionParams) -> t.CompletionList:
    doc, state = document(ls, params.text_document.uri)
    lines = doc.lines
    line, col = ls.pos_in(lines, params.position)
    items = state.service.complete(doc.source, line, col)
    items, capped = _limit(items, _typed_prefix(lines[line] if line < len(lines) else "", col))
    # where import lines go: found once, not once per item (a long file has many lines)
    import_at = import_line(lines) if any(i.import_line for i in items) else 0
    # While the index is still being built, or the list was cut, it is incomplete: the
    # editor asks again as the user types.
    return t.CompletionList(
        is_incomplete=capped or not state.ready.is_set(),
        items=[ls.item_out(i, lines, line, col, import_at, state) for i in items],
    )


COMPLETION_LIMIT = 150


def _typed_prefix(text: str, column: int) -> str:
    """The name typed before ``column`` of the line (the line is not copied: it may be long)."""
    from graftlab_lsp.context import name_before  # on first use, not at start-up

    end = min(column, len(text))
    return text[name_before(text, end, dots=False) : end]


def _fuzzy(prefix: str, label: str) -> bool:
    """Whether the typed characters appear in order in the label (as editors match)."""
    it = iter(label.lower())
    return all(ch in it for ch in prefix.lower())


def _limit(items: list[Item], prefix: str) -> tuple[list[Item], bool]:
    """At most ``COMPLETION_LIMIT`` items, those matching what was typed, best first.

    A workspace with thousands of classes would otherwise send them all on every keystroke.
    """
    if len(items) <= COMPLETION_LIMIT:
        return items, False
    if prefix:
        items = [i for i in items if _fuzzy(prefix, i.label)]
        low = prefix.lower()
        items.sort(
            key=lambda i: (not i.label.lower().startswith(low), i.sort_text or i.label, i.label)
        )
    else:  # every label starts with "": the same order, without lowering each label
        items.sort(key=lambda i: (i.sort_text or i.label, i.label))
    return items[:COMPLETION_LIMIT], len(items) > COMPLETION_LIMIT


@server.feature(t.COMPLETION_ITEM_RESOLVE)
@server.thread()
def completion_resolve(ls: GraftServer, item: t.CompletionItem) -> t.CompletionItem:
    """Fill in a class item's documentation (left out of the list to keep it small)."""
    data = item.data if isinstance(item.data, dict) else {}
    state = ls.roots.get(Path(data["root"])) if data.get("root") else ls.root_of(ls.root)
    index = state.index if state is not None else None
    info = index.lookup(data["qualname"]) if index is not None and "qualname" in data else None
    if info is not None and info.doc and item.documentation is None:
        item.documentation = t.MarkupContent(t.MarkupKind.Markdown, info.doc)
    return item

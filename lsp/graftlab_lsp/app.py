"""The one server instance the handlers register on (``graftlab_lsp.server`` starts it)."""

from __future__ import annotations

from typing import Any

from graftlab_lsp.core import GraftServer
from graftlab_lsp.roots import Root

server = GraftServer()


def document(ls: GraftServer, uri: str, timeout: float = 5.0) -> tuple[Any, Root]:
    """The document and its root, once the root's index is ready (or ``timeout`` passed)."""
    state = ls.root_for(uri)
    state.wait(timeout)
    return ls.workspace.get_text_document(uri), state

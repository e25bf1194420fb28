"""Documents as the protocol counts lines: breaks are ``\\n``, ``\\r\\n`` and ``\\r`` only.

pygls's ``TextDocument.lines`` uses ``str.splitlines``, which also breaks at form feeds,
``\\x85``, ``\\u2028`` and others that comments and strings may hold: positions then land
on the wrong line and incremental edits corrupt the server's copy. The server's workspace
creates these documents instead (Python's parser counts lines the same way, so the loader's
positions agree).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pygls.workspace import TextDocument, Workspace

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lines_keepends(text: str) -> list[str]:
    """The lines of ``text`` with their line breaks, as LSP counts them."""
    return _LINE.findall(text)


class LspTextDocument(TextDocument):
    """A text document whose lines are the protocol's (see the module doc)."""

    @property
    def lines(self) -> Sequence[str]:
        return tuple(lines_keepends(self.source))


class LspWorkspace(Workspace):
    """A pygls workspace that holds ``LspTextDocument`` s."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self._position_codec,
        )


def adopt(workspace: Any) -> None:
    """Make pygls's workspace (created during ``initialize``) create ``LspTextDocument`` s."""
    if isinstance(workspace, Workspace) and not isinstance(workspace, LspWorkspace):
        workspace.__class__ = LspWorkspace

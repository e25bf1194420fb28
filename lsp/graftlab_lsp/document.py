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

from lsprotocol import types as t
from pygls.workspace import PositionCodec, TextDocument, Workspace
from pygls.workspace.position_codec import ServerTextPosition, Utf8, Utf32

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


# the breaks ``str.splitlines`` knows besides the protocol's (a search for one character is a
# memchr; for a non-ASCII character in ASCII text it returns at once)
_OTHER_BREAKS = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def lines_keepends(text: str) -> list[str]:
    """The lines of ``text`` with their line breaks, as LSP counts them.

    ``str.splitlines`` when the text holds no other break (the regex took 2.8 ms on a
    100,000-character line, the first request after the document was opened paid it)."""
    if not any(ch in text for ch in _OTHER_BREAKS):
        return text.splitlines(keepends=True)
    return _LINE.findall(text)


class LspTextDocument(TextDocument):
    """A text document whose lines are the protocol's (see the module doc).

    The lines are split once per version (pygls splits the whole text again on every
    access: each request and each edit), and an edit splits only the lines it touches.
    """

    _lines: tuple[str, tuple[str, ...]] | None = None  # (the source, its lines)

    @property
    def lines(self) -> Sequence[str]:
        source = self.source
        cached = self._lines
        if cached is not None and cached[0] is source:
            return cached[1]
        lines = tuple(lines_keepends(source))
        self._lines = (source, lines)
        return lines

    def _apply_incremental_change(self, change: Any) -> None:
        """Apply an edit by slicing at its offsets (linear; no rewrite line by line)."""
        lines = self.lines
        source = self.source
        rng = self._position_codec.range_from_client_units(lines, change.range)
        first, last = rng.start.line, max(rng.start.line, rng.end.line)
        if first >= len(lines):  # at the very end (as pygls does)
            self._source = source + change.text
            return
        first_at = _line_start(lines, first)
        start = first_at + min(max(rng.start.character, 0), len(lines[first]))
        if last >= len(lines):
            end = stop = len(source)
        else:
            last_at = first_at + sum(map(len, lines[first:last]))
            end = last_at + min(max(rng.end.character, 0), len(lines[last]))
            stop = last_at + len(lines[last])
        end = max(start, end)
        new = source[:start] + change.text + source[end:]
        self._source = new
        if last >= len(lines):
            return  # split again when asked
        # the lines touched, edited (with the rest of the last one and its break)
        middle = source[first_at:start] + change.text + source[end:stop]
        after = lines[last + 1 :]
        if (
            (after and not middle.endswith(("\n", "\r")))  # the edit joined lines
            or (after and middle.endswith("\r") and after[0].startswith("\n"))
            or (first and middle.startswith("\n") and lines[first - 1].endswith("\r"))
        ):
            return  # a line break is made or unmade at the edit's ends: split again when asked
        self._lines = (new, (*lines[:first], *lines_keepends(middle), *after))


def _line_start(lines: Sequence[str], n: int) -> int:
    return sum(map(len, lines[:n]))


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


class FastPositionCodec(PositionCodec):
    """pygls's codec without its loop over every character of the line where each character
    is one code unit (ASCII lines; for UTF-16 every line without characters beyond U+FFFF):
    a position at the end of a 100,000-character line cost tens of milliseconds per request.
    Results are the same as pygls's (its clamping included)."""

    def _simple(self, line: str) -> bool:
        if line.isascii() or isinstance(self.impl, Utf32):
            return True
        return not isinstance(self.impl, Utf8) and max(line) <= "\uffff"

    def position_from_client_units(
        self, lines: Sequence[str], position: t.Position
    ) -> ServerTextPosition:
        if 0 <= position.line < len(lines) and position.character >= 0:
            line = lines[position.line]
            if self._simple(line):
                # pygls counts ``\r\n`` as one unit; ``"\r\n" in line`` took 0.2 ms on a
                # 100,000-character line, a search for ``\r`` alone (memchr) 2 us
                n = len(line) - line.count("\r\n") if "\r" in line else len(line)
                if n == 0:
                    return ServerTextPosition(position.line, 0)
                character = position.character if position.character <= n else n - 1
                return ServerTextPosition(position.line, character)
        return super().position_from_client_units(lines, position)

    def position_to_client_units(self, lines: Sequence[str], position: Any) -> t.Position:
        if 0 <= position.line < len(lines) and position.character >= 0:
            line = lines[position.line]
            if self._simple(line):
                return t.Position(position.line, min(position.character, len(line)))
        return super().position_to_client_units(lines, position)


def adopt(workspace: Any) -> None:
    """Make pygls's workspace (created during ``initialize``) create ``LspTextDocument`` s
    with the fast position codec."""
    if isinstance(workspace, Workspace) and not isinstance(workspace, LspWorkspace):
        workspace.__class__ = LspWorkspace
        codec = workspace._position_codec
        if type(codec) is PositionCodec:
            codec.__class__ = FastPositionCodec

"""A module's text seen through ``ast`` positions: offsets, and node source as the index
records it.

``ast`` gives 1-based lines (split at ``\\r\\n``, ``\\r`` and ``\\n``, as LSP splits them) and
columns in UTF-8 bytes; ``offset`` turns them into indexes into the text. ``segment`` gives
a node's source the way the index has always recorded it (it was read with libcst before):
with the parentheses that wrap the node, with the enclosing block's indentation removed
from continuation lines, and with the file's usual line ending written as ``\\n``.
"""

from __future__ import annotations

import itertools
import re

_NEWLINE = re.compile(r"\r\n?|\n")
# What can open a string (an optional prefix, then a quote), a comment, or a bracket.
_LEX = re.compile(
    r"""(?P<s>(?<![\w])[rRuUbBfF]{0,2}(?P<q>'''|\"\"\"|'|"))|(?P<c>\#)|(?P<o>[(\[{])|(?P<x>[)\]}])"""
)
_STRING_END = {
    "'": re.compile(r"(?:[^'\\\r\n]|\\(?:\r\n|[\s\S]))*'"),
    '"': re.compile(r'(?:[^"\\\r\n]|\\(?:\r\n|[\s\S]))*"'),
    "'''": re.compile(r"(?:[^'\\]|\\[\s\S]|'(?!''))*'''"),
    '"""': re.compile(r'(?:[^"\\]|\\[\s\S]|"(?!""))*"""'),
}
# In a multi-line segment: a string opening, a comment, a backslash continuation, a newline.
_MULTI = re.compile(
    r"""(?P<s>(?<![\w])[rRuUbBfF]{0,2}(?P<q>'''|\"\"\"|'|"))|(?P<c>\#[^\r\n]*)|(?P<b>\\(?:\r\n?|\n))|(?P<n>\r\n?|\n)"""
)
_GAP_SKIP = " \t\f\r\n\\"


class SourceText:
    """One module's text, for turning ``ast`` positions into offsets and source text."""

    def __init__(self, text: str) -> None:
        self.text = text
        m = _NEWLINE.search(text)
        self.newline = m.group(0) if m else "\n"  # the file's usual line ending
        self._ascii = text.isascii()
        self._starts: list[int] | None = None

    def line_start(self, lineno: int) -> int:
        """The offset where 1-based line ``lineno`` starts."""
        starts = self._starts
        if starts is None:
            if "\r" in self.text:
                starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
            else:
                lengths = (len(line) + 1 for line in self.text.split("\n"))
                starts = list(itertools.accumulate(lengths, initial=0))
            self._starts = starts
        return starts[lineno - 1]

    def offset(self, lineno: int, col: int) -> int:
        """The text offset of an ``ast`` position (``col`` counts UTF-8 bytes)."""
        start = self.line_start(lineno)
        end = start + col
        if self._ascii or self.text[start:end].isascii():  # col ASCII characters: col bytes
            return end
        stop = _NEWLINE.search(self.text, start)
        line = self.text[start : stop.start() if stop else len(self.text)]
        return start + len(line.encode("utf-8")[:col].decode("utf-8", errors="replace"))

    def column(self, lineno: int, col: int) -> int:
        """The character column of an ``ast`` position."""
        return self.offset(lineno, col) - self.line_start(lineno)

    def starts_line(self, lineno: int, col: int) -> bool:
        """Whether only indentation precedes this position on its line (an indented block's
        first statement, not a suite on its header's line)."""
        start = self.line_start(lineno)
        return not self.text[start : start + col].strip(" \t\f")

    def indent_at(self, lineno: int, col: int) -> str:
        """The whitespace before a statement on its line (its block's indentation)."""
        start = self.line_start(lineno)
        return self.text[start : self.offset(lineno, col)]

    def string_end(self, i: int, quote: str) -> int:
        """The offset after the string literal whose quote starts at ``i``."""
        m = _STRING_END[quote].match(self.text, i + len(quote))
        return m.end() if m else len(self.text)

    def own_start(self, anchor: int, start: int, opened: int = 0) -> tuple[int, int]:
        """Where a node's source starts when the parentheses wrapping it are counted in, and
        how many there are. ``anchor`` is a place before the delimiter that precedes the node
        (``=``, ``,``, ``[``, ``:``, an operator, a name), with no string in between;
        ``opened`` says how many ``(`` right before the node are its parent's (a call's)."""
        text = self.text
        if anchor >= start or text[start - 1] not in "( \t\f\r\n\\":
            return start, 0
        parens: list[int] = []
        i = anchor
        while i < start:
            c = text[i]
            if c == "(":
                parens.append(i)
            elif c == "#":
                m = _NEWLINE.search(text, i)
                i = m.start() if m else len(text)
                continue
            elif c not in _GAP_SKIP:
                parens.clear()
            i += 1
        own = parens[opened:]
        return (own[0], len(own)) if own else (start, 0)

    def close_after(self, end: int, count: int) -> int:
        """The offset after the ``count``-th ``)`` following ``end`` (a node's own closing
        parentheses: only whitespace and comments come between)."""
        text = self.text
        i = end
        while count and i < len(text):
            c = text[i]
            if c == ")":
                count -= 1
            elif c == "#":
                m = _NEWLINE.search(text, i)
                i = m.start() if m else len(text)
                continue
            i += 1
        return i

    def matching(self, i: int) -> int:
        """The offset of the bracket closing the one at ``i`` (strings and comments skipped)."""
        depth = 0
        text = self.text
        pos = i
        while True:
            m = _LEX.search(text, pos)
            if m is None:
                return len(text)
            if m.group("s"):
                pos = self.string_end(m.start("q"), m.group("q"))
            elif m.group("c"):
                nl = _NEWLINE.search(text, m.end())
                pos = nl.start() if nl else len(text)
            elif m.group("o"):
                depth += 1
                pos = m.end()
            else:
                depth -= 1
                if depth == 0:
                    return m.start()
                pos = m.end()

    def string_count(self, start: int, end: int) -> int:
        """How many string literals ``text[start:end]`` holds at its top level (2 or more:
        an implicit concatenation)."""
        n, pos = 0, start
        while pos < end:
            m = _LEX.search(self.text, pos, end)
            if m is None:
                break
            if m.group("s"):
                n += 1
                pos = self.string_end(m.start("q"), m.group("q"))
            elif m.group("c"):
                nl = _NEWLINE.search(self.text, m.end())
                pos = nl.start() if nl else end
            else:
                pos = m.end()
        return n

    def segment(self, start: int, end: int, indent: str) -> str:
        """``text[start:end]`` as the index records a node's source: on a continuation line
        the block's ``indent`` is dropped, and the file's usual line ending reads ``\\n``
        (strings, comments and backslash continuations are kept as written)."""
        text = self.text
        chunk = text[start:end]
        if "\n" not in chunk and "\r" not in chunk:
            return chunk
        out: list[str] = []
        pos = start
        while pos < end:
            m = _MULTI.search(text, pos, end)
            if m is None:
                out.append(text[pos:end])
                break
            out.append(text[pos : m.start()])
            if m.group("s"):
                stop = min(self.string_end(m.start("q"), m.group("q")), end)
                out.append(text[m.start() : stop])
                pos = stop
            elif m.group("c") is not None or m.group("b"):
                out.append(m.group(0))
                pos = m.end()
            else:
                nl = m.group("n")
                out.append("\n" if nl == self.newline else nl)
                pos = m.end()
                if indent and text.startswith(indent, pos) and pos + len(indent) <= end:
                    pos += len(indent)
        return "".join(out)

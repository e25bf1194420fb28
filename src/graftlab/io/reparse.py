"""Parsing a file again after an edit: the top-level statements whose text did not change
are reused, so a check after each keystroke costs the changed statement, not the file.

The text is cut before every line that starts a statement at column 0 (a letter, ``_``,
``@`` or a quote) and each piece is parsed on its own (a piece that does not parse, as when
the cut fell inside brackets or a string, is joined with the next one). The result is the
plain parse's: the pieces are the file's statements in order, what depends on the
statements around one (the docstring, imports after assignments) is decided over all of
them, and whenever the pieces do not all parse (a syntax error anywhere) the whole text is
parsed as before. Pieces are remembered by their text and first line; a piece that only
moved (lines inserted above it) is shifted instead of parsed again.

Only inside ``with reusing():`` (the language server's worker: one check per edit).
"""

from __future__ import annotations

import ast
import contextvars
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from graftlab.io import bulk as _bulk
from graftlab.io.errors import FormatError
from graftlab.io.limits import MAX_DEPTH
from graftlab.io.spans import Span
from graftlab.io.syntax import (
    AssignS,
    BulkE,
    CallE,
    DictE,
    DottedE,
    Expr,
    FromS,
    ImportS,
    KwArg,
    ListE,
    Lit,
    ModuleIR,
    NameE,
    Source,
    TupleE,
    _Parser,
    _quiet_parse,
    add_items,
    docstring_of,
    parse,
)

# a line that may start a statement: the cut goes before it
_STARTS = re.compile(r"^[A-Za-z_@'\"]", re.MULTILINE)
MAX_JOINS = 8  # pieces joined after a failed parse before the whole text is parsed instead
FILES = 8  # files remembered per scope

Item = ImportS | FromS | AssignS


@dataclass(frozen=True)
class _Stmt:
    """One top-level statement of a piece: its items, its errors, what the caller decides."""

    kind: str  # "import", "assign" or "other"
    span: Span
    items: tuple[Item, ...]
    errors: tuple[tuple[str, Span], ...]
    doc: str | None  # the text, if it is a lone string (a docstring when it comes first)


_Piece = tuple[_Stmt, ...]


def _parse_piece(text: str, file: str, bulk: bool) -> _Piece | None:
    """A piece's statements, positions relative to its first line; None if it does not parse."""
    src = Source(text, file)
    p = _Parser(src)
    tree = None
    if bulk and len(text) >= _bulk.MIN_REGION:
        regions = _bulk.find_regions(text, MAX_DEPTH, min_file=0)
        if regions:
            blanked = _bulk.blank(text, regions)
            try:
                tree = _quiet_parse(blanked, file)
                src = Source(text, file, parsed=blanked)
                p = _Parser(src, {(r.line, r.column): r for r in regions})
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                tree = None
    try:
        if tree is None:
            tree = _quiet_parse(text, file)
        out = []
        for stmt in tree.body:
            p.errors = []
            items = p.statement(stmt)
            kind = (
                "import"
                if isinstance(stmt, (ast.Import, ast.ImportFrom))
                else "assign"
                if isinstance(stmt, ast.Assign)
                else "other"
            )
            errors = tuple((e.message, e.span) for e in p.errors if e.span is not None)
            if len(errors) != len(p.errors):
                return None
            out.append(_Stmt(kind, src.span(stmt), tuple(items), errors, docstring_of(stmt)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if p.regions and p.used_regions != len(p.regions):
        return _parse_piece(text, file, bulk=False)  # as the plain parse decides
    return tuple(out)


# -- moving a piece's positions down by some lines ------------------------------------------------


_tuple_new = tuple.__new__  # a named tuple's own ``__new__`` is a Python function: 3x slower


def _span(s: Span, d: int) -> Span:
    line, column, end_line, end_column = s
    return _tuple_new(Span, (line + d, column, end_line + d, end_column))  # type: ignore[no-any-return]


def _expr(e: Any, d: int) -> Any:
    t = type(e)
    if t is Lit:
        return Lit(_span(e.span, d), e.value)
    if t is BulkE:
        return BulkE(_span(e.span, d), e.value, e.text, e.line + d, e.column, e.size)
    if t is NameE:
        return NameE(_span(e.span, d), e.name)
    if t is DottedE:
        return DottedE(_span(e.span, d), e.parts)
    if t is ListE or t is TupleE:
        return t(_span(e.span, d), [_expr(x, d) for x in e.items])
    if t is DictE:
        return DictE(
            _span(e.span, d),
            [(k, _span(ks, d)) for k, ks in e.keys],
            [_expr(v, d) for v in e.values],
        )
    if t is CallE:
        return CallE(
            _span(e.span, d),
            _expr(e.callee, d),
            [_expr(a, d) for a in e.args],
            [KwArg(k.name, _span(k.name_span, d), _expr(k.value, d)) for k in e.kwargs],
        )
    raise TypeError(f"unknown syntax node {t.__name__}")  # pragma: no cover


def _item(x: Item, d: int) -> Item:
    if isinstance(x, ImportS):
        return ImportS(x.module, x.alias, _span(x.span, d))
    if isinstance(x, FromS):
        return FromS(x.module, [(n, a, _span(s, d)) for n, a, s in x.names], _span(x.span, d))
    value: Expr = _expr(x.value, d)
    return AssignS(x.name, _span(x.name_span, d), value, _span(x.span, d))


def _moved(piece: _Piece, d: int) -> _Piece:
    if d == 0:
        return piece
    return tuple(
        _Stmt(
            s.kind,
            _span(s.span, d),
            tuple(_item(x, d) for x in s.items),
            tuple((m, _span(sp, d)) for m, sp in s.errors),
            s.doc,
        )
        for s in piece
    )


# -- one file's successive texts --------------------------------------------------------------


class Reparser:
    """Parses successive texts of one file, reusing the pieces that did not change."""

    def __init__(self, file: str) -> None:
        self.file = file
        # (text, first line) -> (the piece, the same from line 1)
        self._at: dict[tuple[str, int], tuple[_Piece, _Piece]] = {}
        self._relative: dict[str, _Piece] = {}  # text -> positions from line 1
        self._failed: set[str] = set()  # texts that do not parse alone
        self.parsed = 0  # pieces parsed by the last call (not reused): for tests
        self.memo: Any = None  # the loader's values built from this file's last text

    def parse(self, text: str, *, bulk: bool = True) -> tuple[ModuleIR, list[FormatError], Source]:
        """What ``syntax.parse(text, file, bulk=bulk)`` returns."""
        file = self.file
        if "\x00" in text or "\r" in text or "__future__" in text:
            return parse(text, file, bulk=bulk)
        bulk = bulk and len(text) >= _bulk.MIN_FILE
        cuts = [m.start() for m in _STARTS.finditer(text)]
        if not cuts or cuts[0] != 0:
            cuts.insert(0, 0)
        cuts.append(len(text))
        at: dict[tuple[str, int], tuple[_Piece, _Piece]] = {}
        relative: dict[str, _Piece] = {}
        failed: set[str] = set()
        pieces: list[_Piece] = []
        parsed = 0
        line = 1
        i, n = 0, len(cuts) - 1
        while i < n:
            j = i + 1
            while True:
                chunk = text[cuts[i] : cuts[j]]
                key = (chunk, line)
                hit = self._at.get(key) or at.get(key)
                if hit is not None:
                    piece, rel = hit
                    break
                rel = self._relative.get(chunk)
                if rel is None:
                    rel = relative.get(chunk)
                if rel is None and chunk not in self._failed and chunk not in failed:
                    rel = _parse_piece(chunk, file, bulk)
                    parsed += 1
                if rel is not None:
                    piece = _moved(rel, line - 1)
                    break
                failed.add(chunk)
                if j == n or j - i > MAX_JOINS:
                    return parse(text, file, bulk=bulk)  # a syntax error: as before
                j += 1  # the cut fell inside a statement: join the next piece
            at[key] = (piece, rel)
            relative[chunk] = rel
            pieces.append(piece)
            line += chunk.count("\n")
            i = j
        # only what this text uses is kept (the last text that parsed)
        self._at, self._relative, self._failed, self.parsed = at, relative, failed, parsed
        return self._combine(text, pieces)

    def _combine(
        self, text: str, pieces: list[_Piece]
    ) -> tuple[ModuleIR, list[FormatError], Source]:
        src = Source(text, self.file)
        out = ModuleIR()
        errors: list[FormatError] = []
        seen_assign = False
        first = True
        for piece in pieces:
            for s in piece:
                if first and s.doc is not None:
                    out.docstring, out.docstring_span = s.doc, s.span
                    first = False
                    continue
                first = False
                if s.kind == "import" and seen_assign:
                    errors.append(src.error("imports must come before assignments", s.span))
                seen_assign = seen_assign or s.kind == "assign"
                errors.extend(src.error(m, sp) for m, sp in s.errors)
                add_items(out, list(s.items))
        return out, errors, src


# -- the scope ---------------------------------------------------------------------------------


class Reparsers:
    """A ``Reparser`` per file, the most recently used ``FILES`` of them."""

    def __init__(self) -> None:
        self._files: OrderedDict[str, Reparser] = OrderedDict()

    def forget_values(self) -> None:
        """Drop the loader's built values (kept: the parsed statements). For a caller that
        is about to ``gc.freeze()``: a frozen value that is replaced later, and whose
        objects refer to each other, is never collected."""
        for r in self._files.values():
            r.memo = None

    def for_file(self, file: str) -> Reparser:
        r = self._files.pop(file, None) or Reparser(file)
        self._files[file] = r
        while len(self._files) > FILES:
            self._files.popitem(last=False)
        return r


_ACTIVE: contextvars.ContextVar[Reparsers | None] = contextvars.ContextVar(
    "graft_reparse", default=None
)


def active() -> Reparsers | None:
    """The reparsers of the enclosing ``reusing()`` scope, if any."""
    return _ACTIVE.get()


@contextmanager
def reusing(reparsers: Reparsers | None = None) -> Iterator[Reparsers]:
    """Inside the scope the loader parses each file through its ``Reparser``: pass the same
    ``reparsers`` to successive scopes (one per check) to reuse the statements."""
    r = reparsers if reparsers is not None else Reparsers()
    token = _ACTIVE.set(r)
    try:
        yield r
    finally:
        _ACTIVE.reset(token)

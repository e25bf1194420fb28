"""Where the cursor is, read from the text around it (it may not parse while being typed).

The scan walks backwards from the cursor over a few lines, token by token (strings,
comments, brackets, names, ``=`` and ``,``), to find the unclosed brackets around the cursor,
the call each belongs to, the keywords already given there, and whether the cursor sits in
a keyword's value or inside a string. Cost is proportional to the distance to the enclosing
statement, not to the file size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from graftlab_lsp.model import doc_lines

_TOKEN = re.compile(
    # a string's body unrolled, possessive: linear on a 100,000-character string (the
    # alternation ``(?:[^"\\\n]|\\.)*`` took a step per character, 15 times slower)
    r"""(?P<str>[rRbBuUfF]{0,2}(?:"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?|'[^'\\\n]*+(?:\\.[^'\\\n]*+)*+'?))"""
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<op>[()\[\]{},=:])"
    # anything else (numbers, operators): a positional argument like ``16`` must count
    r"|(?P<other>[^\s()\[\]{},=:#'\"A-Za-z_]+)"
)
MAX_LINES = 400


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def name_before(text: str, end: int, *, dots: bool = True, spaces: bool = False) -> int:
    """The start of the (dotted) name that ends at ``end`` in ``text`` (``end`` if none).

    A backward scan, linear in the name's length: a regex anchored at the end (``...$``)
    with ``re.search`` retries from every position of a long word, which is quadratic.
    ``spaces`` lets whitespace end the scan first (``Adam  (`` names ``Adam``).
    """
    i = end
    if spaces:
        while i > 0 and text[i - 1] in " \t":
            i -= 1
        end = i
    start = end
    while i > 0:
        ch = text[i - 1]
        if _is_name_char(ch) or (dots and ch == "."):
            i -= 1
            if _is_name_char(ch):
                start = i
            continue
        break
    # a name starts with a letter or underscore: skip leading digits
    while start < end and text[start].isdigit():
        start += 1
    if start < end and text[start] == ".":
        return end
    return start


@dataclass
class Frame:
    """An unclosed bracket around the cursor."""

    bracket: str  # "(", "[" or "{"
    callee: str | None  # dotted name before "(", else None
    line: int
    column: int
    given: list[str] = field(default_factory=list)  # keywords given before the cursor
    positional: int = 0  # positional arguments before the cursor
    keyword: str | None = None  # the cursor (or the inner frame) is this keyword's value
    dict_key: str | None = None


@dataclass
class Context:
    """What surrounds the cursor."""

    frames: list[Frame]  # innermost first
    prefix: str  # the (dotted) name being typed
    prefix_start: int  # its start column
    in_string: bool = False
    string_text: str = ""  # string content before the cursor
    string_start: int = 0  # column just after the opening quote
    line_text: str = ""

    @property
    def innermost(self) -> Frame | None:
        return self.frames[0] if self.frames else None


def _tokens(line: str) -> tuple[tuple[str, str, int], ...]:
    """The tokens of one line (comments left out); lines of ordinary length are remembered,
    as completion walks back over up to ``MAX_LINES`` lines on each keystroke."""
    if len(line) <= _CACHED_LINE:
        return _tokens_cached(line)
    return _scan(line)


_CACHED_LINE = 1000


def _scan(line: str, pos: int = 0, end: int | None = None) -> tuple[tuple[str, str, int], ...]:
    """The tokens of ``line[pos:end]`` (columns counted in ``line``; nothing is sliced)."""
    out = []
    for m in _TOKEN.finditer(line, pos, len(line) if end is None else end):
        kind = m.lastgroup or ""
        if kind == "comment":
            continue
        out.append((kind, m.group(), m.start()))
    return tuple(out)


_tokens_cached = lru_cache(maxsize=8192)(_scan)

# The last long line tokenized up to the cursor: (line, end, tokens). The next request on
# it (the same cursor, or the user typing further along) reuses the tokens before the last
# bracket, comma, ``=`` or ``:`` whose text is unchanged, and scans only from there: a
# completion at the end of a 100,000-character line no longer tokenizes the whole line.
_LONG: tuple[str, int, tuple[tuple[str, str, int], ...]] | None = None
_RESUME_AT = frozenset("()[]{},=:")


def _tokens_before(text: str, column: int) -> tuple[tuple[str, str, int], ...]:
    """The tokens of ``text[:column]`` (as ``_tokens`` gives them)."""
    global _LONG
    if column <= _CACHED_LINE:
        return _tokens_cached(text[:column])
    cached = _LONG  # read once: completion runs on several threads
    toks: tuple[tuple[str, str, int], ...] = ()
    start = 0
    if cached is not None:
        old_text, old_end, old = cached
        if old_text is text and old_end == column:
            return old
        # An op token ends every token before it (a name, number or closed string cannot
        # run on into one), so the tokens before it depend only on the text before it.
        limit = min(column, old_end)
        for k in range(len(old) - 1, -1, -1):
            kind, value, col = old[k]
            if col < limit and kind == "op" and value in _RESUME_AT:
                # the same text up to and including it (C-speed compare, no Python loop)
                if old_text is text or text.startswith(old_text[: col + 1]):
                    toks, start = old[:k], col
                break
    toks += _scan(text, start, column)
    _LONG = (text, column, toks)
    return toks


def analyze(lines: list[str], line: int, column: int) -> Context:
    """The context at (line, column), both 0-based; ``column`` counts characters."""
    text = lines[line] if line < len(lines) else ""
    end = min(column, len(text))  # the text before the cursor is text[:end] (not copied)
    prefix = text[name_before(text, end) : end]
    ctx = Context([], prefix, column - len(prefix), line_text=text)
    toks = _tokens_before(text, end)
    if toks and toks[-1][0] == "str":
        raw = toks[-1][1]
        body = raw.lstrip("rRbBuUfF")
        quote = body[:1]
        closed = len(body) >= 2 and body.endswith(quote) and not body.endswith("\\" + quote)
        if not closed:
            ctx.in_string = True
            start = toks[-1][2] + (len(raw) - len(body)) + 1
            ctx.string_start = start
            ctx.string_text = text[start:end]
            toks = toks[:-1]
    _frames(lines, line, toks, ctx)
    return ctx


def _frames(
    lines: list[str], line: int, toks: tuple[tuple[str, str, int], ...], ctx: Context
) -> None:
    depth = 0
    pending: list[
        tuple[str, str, int, int]
    ] = []  # tokens seen at depth 0 of the current frame (reversed)
    current = line
    seen_lines = 0
    while True:
        for kind, value, col in reversed(toks):
            if kind == "op" and value in ")]}":
                depth += 1
                continue
            if kind == "op" and value in "([{":
                if depth > 0:
                    depth -= 1
                    continue
                frame = Frame(value, None, current, col)
                _fill(frame, pending)
                if value == "(":
                    frame.callee = _callee_before(lines, current, col)
                ctx.frames.append(frame)
                pending = []
                continue
            if depth == 0:
                pending.append((kind, value, current, col))
        if current == 0 or seen_lines >= MAX_LINES:
            break
        current -= 1
        seen_lines += 1
        prev = lines[current]
        if depth == 0 and re.match(r"[A-Za-z_]", prev) and not ctx.frames[-1:] and False:
            break
        toks = _tokens(prev)
        if re.match(r"[A-Za-z_]", prev) and depth == 0 and _statement_start(prev):
            # Everything before a statement that starts a line is outside our brackets.
            for kind, value, col in reversed(toks):
                if kind == "op" and value in ")]}":
                    depth += 1
                elif kind == "op" and value in "([{":
                    if depth:
                        depth -= 1
                        continue
                    frame = Frame(value, None, current, col)
                    _fill(frame, pending)
                    if value == "(":
                        frame.callee = _callee_before(lines, current, col)
                    ctx.frames.append(frame)
                    pending = []
                elif depth == 0:
                    pending.append((kind, value, current, col))
            break


def _statement_start(line: str) -> bool:
    return bool(re.match(r"[A-Za-z_][A-Za-z0-9_]*\s*=(?!=)|from\s|import\s", line))


def _fill(frame: Frame, pending: list[tuple[str, str, int, int]]) -> None:
    """Given the tokens between the bracket and the cursor (reversed), note keywords and values."""
    toks = list(reversed(pending))
    commas = 0
    after_last_comma: list[tuple[str, str, int, int]] = []
    for i, (kind, value, _l, _c) in enumerate(toks):
        if kind == "op" and value == ",":
            commas += 1
            after_last_comma = []
            continue
        after_last_comma.append(toks[i])
        if kind == "op" and value == "=" and i > 0 and toks[i - 1][0] == "name":
            frame.given.append(toks[i - 1][1])
        if kind == "op" and value == ":" and i > 0 and toks[i - 1][0] == "str":
            frame.dict_key = toks[i - 1][1].strip("'\"")
    positional_segments = 0
    segment: list[tuple[str, str, int, int]] = []
    for t in [*toks, ("op", ",", 0, 0)]:
        if t[0] == "op" and t[1] == ",":
            if segment and not any(s[0] == "op" and s[1] == "=" for s in segment):
                positional_segments += 1
            segment = []
        else:
            segment.append(t)
    frame.positional = positional_segments - (
        1
        if after_last_comma and not any(s[0] == "op" and s[1] == "=" for s in after_last_comma)
        else 0
    )
    if (
        len(after_last_comma) >= 2
        and after_last_comma[1][0] == "op"
        and after_last_comma[1][1] == "="
        and after_last_comma[0][0] == "name"
    ):
        frame.keyword = after_last_comma[0][1]
        if frame.given and frame.given[-1] == frame.keyword:
            frame.given.pop()


def _callee_before(lines: list[str], line: int, col: int) -> str | None:
    text = lines[line]
    end = col
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    start = name_before(text, end)
    return text[start:end] or None


def _code_part(line: str) -> str:
    """The line without its comment (imports hold no strings, so a ``#`` starts one)."""
    return line.split("#", 1)[0].strip()


def import_statements(lines: list[str]) -> list[tuple[int, str]]:
    """The import statements of a document as (first line, statement joined on one line).

    Parenthesized names over several lines (``from m import (\n    A,\n    B,\n)``, as
    ``graft fmt`` writes them) and backslash continuations are joined. Only statements that
    start a line count (an experiment file's imports are at the top level).
    """
    out: list[tuple[int, str]] = []
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if not line.startswith(("from ", "import ", "from\t", "import\t")):
            i += 1
            continue
        first = i
        stmt = _code_part(line)
        while i + 1 < n and (stmt.endswith("\\") or (stmt.count("(") > stmt.count(")"))):
            i += 1
            stmt = stmt.rstrip("\\") + " " + _code_part(lines[i])
        out.append((first, stmt))
        i += 1
    return out


def imports(text: str) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, imported name or None for a module), from the import statements."""
    return _imports_cached(text)


@lru_cache(maxsize=16)
def _imports_cached(text: str) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    # (doc_lines: the same lines, a trailing empty one aside, split without a regex)
    for _line, stmt in import_statements(doc_lines(text)):
        words = stmt.split(None, 1)
        if words[0] == "from":
            module, sep, names = (words[1] if len(words) > 1 else "").partition(" import")
            if not sep:
                continue
            module = module.strip()
            for part in names.replace("(", " ").replace(")", " ").split(","):
                name, _, alias = part.strip().partition(" as ")
                name, alias = name.strip(), alias.strip()
                if name.isidentifier() and module:
                    out[alias or name] = (module, name)
        else:
            for part in (words[1] if len(words) > 1 else "").split(","):
                mod, _, alias = part.strip().partition(" as ")
                mod, alias = mod.strip(), alias.strip()
                if mod:
                    out[alias or mod.split(".")[0]] = (mod if alias else mod.split(".")[0], None)
    return out

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

_TOKEN = re.compile(
    r"""(?P<str>[rRbBuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?))"""
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<op>[()\[\]{},=:])"
    # anything else (numbers, operators): a positional argument like ``16`` must count
    r"|(?P<other>[^\s()\[\]{},=:#'\"A-Za-z_]+)"
)
_IMPORT = re.compile(r"^(?:from\s+([\w.]+)\s+import\s+(.+)|import\s+(.+))$", re.M)
MAX_LINES = 400


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


def _tokens(line: str) -> list[tuple[str, str, int]]:
    out = []
    for m in _TOKEN.finditer(line):
        kind = m.lastgroup or ""
        if kind == "comment":
            continue
        out.append((kind, m.group(), m.start()))
    return out


def analyze(lines: list[str], line: int, column: int) -> Context:
    """The context at (line, column), both 0-based; ``column`` counts characters."""
    text = lines[line] if line < len(lines) else ""
    before = text[:column]
    prefix_m = re.search(r"[A-Za-z_][A-Za-z0-9_.]*$", before)
    prefix = prefix_m.group() if prefix_m else ""
    ctx = Context([], prefix, column - len(prefix), line_text=text)
    toks = _tokens(before)
    if toks and toks[-1][0] == "str":
        raw = toks[-1][1]
        body = raw.lstrip("rRbBuUfF")
        quote = body[:1]
        closed = len(body) >= 2 and body.endswith(quote) and not body.endswith("\\" + quote)
        if not closed:
            ctx.in_string = True
            start = toks[-1][2] + (len(raw) - len(body)) + 1
            ctx.string_start = start
            ctx.string_text = before[start:]
            toks = toks[:-1]
    _frames(lines, line, toks, ctx)
    return ctx


def _frames(lines: list[str], line: int, toks: list[tuple[str, str, int]], ctx: Context) -> None:
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
    m = re.search(r"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*$", lines[line][:col])
    return m.group(1) if m else None


def imports(text: str) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, imported name or None for a module), from the import lines."""
    out: dict[str, tuple[str, str | None]] = {}
    for m in _IMPORT.finditer(text):
        if m.group(1):
            module = m.group(1)
            names = m.group(2).strip().strip("()").rstrip("\\")
            for part in names.split(","):
                part = part.strip()
                if not part or part == "(":
                    continue
                name, _, alias = part.partition(" as ")
                out[(alias or name).strip()] = (module, name.strip())
        else:
            for part in m.group(3).split(","):
                mod, _, alias = part.strip().partition(" as ")
                mod = mod.strip()
                if mod:
                    out[alias.strip() or mod.split(".")[0]] = (
                        mod if alias else mod.split(".")[0],
                        None,
                    )
    return out

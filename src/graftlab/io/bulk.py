"""Long literal lists and dicts, parsed at C speed instead of by Python's parser.

Python's parser builds a syntax node per number (about 1.5 MB/s of literals). A bracketed
region of a large file that holds only numbers, double-quoted strings without escapes,
commas, colons and brackets means the same in Python and in JSON, so ``json`` parses it
(tens of MB/s) and the file Python parses has the region blanked out to ``( _ )`` with the
same lines and columns everywhere else. A region is only taken where a value starts (after
``=``, ``(``, ``[``, ``{``, ``,`` or ``:`` outside a comment), and a placeholder Python does
not see as a name where expected undoes the whole shortcut, so the result is always what
the plain parse would give. Element spans are computed on demand (``element_spans``).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MIN_FILE = 64 * 1024  # smaller files take the plain path: nothing to gain
MIN_REGION = 4 * 1024

# runs of text that hold no bracket, comment or string other than simple double-quoted ones
_BORING = re.compile(r"""(?:[^"'#\[\]{}()]++|"[^"\\\n]*+")*+""")
_STRING_AT = re.compile(
    r"""\"\"\"(?:\\.|[^\\])*?\"\"\"|'\'\'(?:\\.|[^\\])*?'\'\'|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'""",
    re.DOTALL,
)
# numbers, double-quoted strings without escapes, brackets, commas, colons, whitespace
_JSONISH = re.compile(r"""(?:"[^"\\\n]*+"|[ \t\n0-9.eE+\-,:\[\]{}]++)*+""")
_NOT_NEWLINE = re.compile(r"[^\r\n]+")
_VALUE_START = frozenset("=([{,:")
_WHITESPACE = frozenset(" \t\r\n\f")


@dataclass
class Region:
    """A literal region: ``text[start:end]`` is a list or dict whose value is ``value``."""

    start: int
    end: int
    value: Any
    line: int  # of the placeholder name, 1-based
    column: int  # of the placeholder name, in characters


class _Reject(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Reject("a key is given twice")  # the plain parse reports it
    return out


def _constant(name: str) -> Any:
    raise _Reject(name)  # NaN, Infinity: names in Python


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant)


def _candidates(text: str) -> Iterator[tuple[int, int, int]]:
    """(start, end, deepest bracket level inside) of large bracketed regions, outer first."""
    stack: list[list[int]] = []  # [offset, is_value_start, deepest level inside]
    comment_end = -1
    found: list[tuple[int, int, int]] = []
    pos = 0
    n = len(text)
    skip = _BORING.match
    while True:
        pos = skip(text, pos).end()  # type: ignore[union-attr]
        if pos >= n:
            break
        at = pos
        ch = text[at]
        pos = at + 1
        if ch in "\"'":
            # a string (its prefix letters do not change where it ends); an unterminated
            # one is a syntax error the plain parse reports
            sm = _STRING_AT.match(text, at)
            if sm is None:
                return iter(())
            pos = sm.end()
        elif ch == "#":
            nl = text.find("\n", at)
            pos = comment_end = len(text) if nl < 0 else nl
        elif ch in "([{":
            q = at - 1
            while q >= 0 and text[q] in _WHITESPACE:
                q -= 1
            ok = ch != "(" and q >= 0 and text[q] in _VALUE_START and q >= comment_end
            stack.append([at, ok, len(stack) + 1])
        elif stack:
            start, ok, deepest = stack.pop()
            if stack and deepest > stack[-1][2]:
                stack[-1][2] = deepest
            if ok and pos - start >= MIN_REGION:
                found.append((start, pos, deepest))
    found.sort()
    return iter(found)


def _parse_region(region: str) -> Any:
    m = _JSONISH.match(region)
    if m.end() != len(region):  # type: ignore[union-attr]
        # an escape, a name (true/false/null mean nothing in Python), a comment...
        raise json.JSONDecodeError("not a plain literal", region, m.end())  # type: ignore[union-attr]
    return _DECODER.decode(region)


def find_regions(text: str, max_depth: int, min_file: int | None = None) -> list[Region]:
    """The literal regions of ``text`` that json can parse, outermost first, not nested
    (none in a text shorter than ``min_file``, by default ``MIN_FILE``)."""
    if len(text) < (MIN_FILE if min_file is None else min_file):
        return []
    out: list[Region] = []
    covered = -1
    failed: list[tuple[int, int]] = []  # (end, failure offset) of regions that did not parse
    for start, end, deepest in _candidates(text):
        if start < covered or deepest >= max_depth:
            continue
        failed = [f for f in failed if f[0] > start]
        if any(start <= p < end for _e, p in failed):
            continue  # it holds the token that made an outer region fail
        region = text[start:end]
        try:
            value = _parse_region(region)
        except json.JSONDecodeError as e:
            failed.append((end, start + e.pos))
            continue
        except (_Reject, ValueError, RecursionError):
            failed.append((end, start))
            continue
        slot = next(
            (i for i in range(start + 1, end - 1) if text[i] not in "\r\n"),
            None,
        )
        if slot is None:
            continue
        before = text.rfind("\n", 0, slot)
        line = text.count("\n", 0, slot) + 1
        out.append(Region(start, end, value, line, slot - before - 1))
        covered = end
    return out


def blank(text: str, regions: list[Region]) -> str:
    """``text`` with each region replaced by ``( _ )`` keeping every line and column."""
    pieces: list[str] = []
    pos = 0
    for r in regions:
        pieces.append(text[pos : r.start])
        inner = text[r.start + 1 : r.end - 1]
        spaced = _NOT_NEWLINE.sub(lambda m: " " * len(m.group()), inner)
        k = _slot_index(inner)
        pieces.append("(" + spaced[:k] + "_" + spaced[k + 1 :] + ")")
        pos = r.end
    pieces.append(text[pos:])
    return "".join(pieces)


def _slot_index(inner: str) -> int:
    for i, ch in enumerate(inner):
        if ch not in "\r\n":
            return i
    raise ValueError("no room for a placeholder")


def usable(text: str) -> bool:
    """Whether the text's line breaks are all ``\\n`` (the positions above count those)."""
    return "\r" not in text


def region_expr(region: str) -> ast.expr:
    """Python's syntax tree of a region (for element spans and the formatter)."""
    return ast.parse(region, mode="eval").body

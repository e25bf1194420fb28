"""The completion context on long lines (issue #19): a request at the end of a
100,000-character line tokenizes only the text near the cursor once the line was seen, and
the tokens it reuses are those a fresh scan finds. Work is counted (characters handed to the
tokenizer, calls made), never timed."""

from __future__ import annotations

import random
import re
from typing import Any

import pytest
from _support.work import work
from graftlab_lsp import LanguageService
from graftlab_lsp import context as ctxmod


class _Counting:
    """The real token pattern, counting the characters each ``finditer`` is given."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.chars = 0

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Any:
        end = len(text) if endpos is None else min(endpos, len(text))
        self.chars += max(0, end - pos)
        return self.pattern.finditer(text, pos, end)


@pytest.fixture
def scanned(monkeypatch: pytest.MonkeyPatch) -> _Counting:
    counting = _Counting(ctxmod._TOKEN)
    monkeypatch.setattr(ctxmod, "_TOKEN", counting)
    monkeypatch.setattr(ctxmod, "_LONG", None, raising=False)
    return counting


def _document(n: int) -> tuple[str, int]:
    line = 'x = ["' + "a" * n + '", C0_0('
    return "from lib_00 import C0_0\n\n" + line, len(line)


def test_a_repeated_completion_on_a_long_line_tokenizes_only_near_the_cursor(
    scanned: _Counting,
) -> None:
    service = LanguageService(None)
    text, col = _document(100_000)
    service.complete(text, 2, col)  # the first request on the line scans it once
    assert scanned.chars >= 100_000
    for _ in range(3):
        scanned.chars = 0
        service.complete(text, 2, col)
        assert scanned.chars < 100


def test_typing_at_the_end_of_a_long_line_tokenizes_only_what_follows_the_last_bracket(
    scanned: _Counting,
) -> None:
    service = LanguageService(None)
    text, col = _document(100_000)
    service.complete(text, 2, col)
    for typed in ("s", "si", "siz", "size", "size="):
        scanned.chars = 0
        items_text = text + typed  # each keystroke is a new text (a new line object)
        service.complete(items_text, 2, col + len(typed))
        assert scanned.chars < 100


def test_the_work_of_a_repeated_request_does_not_grow_with_the_line() -> None:
    service = LanguageService(None)
    counts = []
    for n in (10_000, 1_000_000):
        text, col = _document(n)
        ctxmod._LONG = None
        service.complete(text, 2, col)
        counts.append(work(lambda t=text, c=col: service.complete(t, 2, c)))
    assert counts[1] <= counts[0] + 5


def _same_as_a_fresh_scan(text: str, column: int) -> None:
    got = ctxmod._tokens_before(text, column)
    assert got == ctxmod._scan(text[:column]), (text[-40:], column)


@pytest.mark.parametrize(
    "steps",
    [
        # a dotted name running on over spaces into the next token
        ["a" * 1200 + " = f(a .", "a" * 1200 + " = f(a .b"],
        # the character after the resume point changed
        ["a" * 1200 + "(", "a" * 1200 + "b"],
        # an edit before the last bracket
        ["b" * 1200 + ' = f(x, "y", z', "b" * 1200 + ' = f(x, "y)", z'],
        # the cursor moved back
        ["c" * 1200 + " = f(1, g(2, 3), 4", "c" * 1200 + " = f(1, g(2"],
        # into and out of an unclosed string
        ["d" * 1200 + ' = f("ab, c', "d" * 1200 + ' = f("ab, c", e=[1, (2'],
    ],
)
def test_reused_tokens_are_those_a_fresh_scan_finds(scanned: _Counting, steps: list[str]) -> None:
    for text in steps:
        _same_as_a_fresh_scan(text, len(text))


def test_reused_tokens_agree_with_a_fresh_scan_over_random_edits(scanned: _Counting) -> None:
    rnd = random.Random(19)
    pieces = ["x", "ab", " ", ".", "(", ")", "[", "]", "{", "}", ",", "=", ":", '"', "'"]
    pieces += ["\\", "#", "1", "rb", "f'", "  ", ".y", "+", "C0_0"]
    for _ in range(200):
        line = "a" * 1001 + "".join(rnd.choice(pieces) for _ in range(20))
        for _ in range(6):
            roll = rnd.random()
            if roll < 0.5:
                line += "".join(rnd.choice(pieces) for _ in range(3))
            elif roll < 0.7:
                line = line[:-1]
            else:
                at = rnd.randrange(len(line))
                line = line[:at] + rnd.choice(pieces) + line[at:]
            column = len(line) if rnd.random() < 0.7 else rnd.randint(1001, len(line))
            _same_as_a_fresh_scan(line, column)

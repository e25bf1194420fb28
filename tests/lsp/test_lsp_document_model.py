"""The server's document model (issue 19, items 2 and 4): lines split once per version and
updated by an edit where it happened, positions converted without a loop over every
character of a long line, and the same text and lines as a fresh split after any edit."""

from __future__ import annotations

import random

import pytest
from graftlab_lsp.document import FastPositionCodec, LspTextDocument, lines_keepends
from lsprotocol import types as t
from pygls.workspace import PositionCodec
from pygls.workspace.position_codec import Utf16

PIECES = ["a", "bc", " ", "\n", "\r\n", "\r", "\u2028", "\x0c", "é", "😀", "(", "x = 1\n"]


def _position(text: str, offset: int) -> t.Position:
    """The LSP position (UTF-16) of a code-point offset."""
    lines = lines_keepends(text[:offset])
    if not lines or lines[-1].endswith(("\n", "\r")):
        return t.Position(len(lines), 0)
    return t.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)


def test_random_edits_keep_text_and_lines_as_a_fresh_split_gives() -> None:
    rng = random.Random(19)
    text = "from team import Adam\n\nx = Adam(\n    lr=1,\n)\n"
    doc = LspTextDocument("file:///x.py", text, 1, position_codec=FastPositionCodec())
    for version in range(2, 1500):
        start = rng.randrange(len(text) + 1)
        end = min(len(text), start + rng.choice([0, 0, 1, 2, 5, 20]))
        # never inside a surrogate pair or a \r\n (no client sends such positions)
        if text[start - 1 : start + 1] == "\r\n" or text[end - 1 : end + 1] == "\r\n":
            continue
        new = "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 1, 2, 4])))
        rng_ = t.Range(_position(text, start), _position(text, end))
        doc.apply_change(t.TextDocumentContentChangePartial(range=rng_, text=new))
        doc.version = version
        text = text[:start] + new + text[end:]
        assert doc.source == text
        assert doc.lines == tuple(lines_keepends(text))


def test_lines_are_split_once_per_version(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = LspTextDocument("file:///x.py", "a\nb\n" * 1000, 1)
    first = doc.lines
    assert doc.lines is first  # the same tuple: not split again
    doc.apply_change(
        t.TextDocumentContentChangePartial(
            range=t.Range(t.Position(5, 0), t.Position(5, 1)), text="c"
        )
    )
    assert doc.lines is doc.lines and doc.lines[5] == "c\n" and doc.lines[4] == "a\n"


def test_positions_on_a_long_line_are_converted_without_a_loop_per_character(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    counted = Utf16.code_units_for_char

    def count(self: Utf16, ch: str) -> int:
        calls.append(ch)
        return counted(self, ch)

    monkeypatch.setattr(Utf16, "code_units_for_char", count)
    line = 'x = ["' + "a" * 100_000 + '", Adam('
    lines = ["from team import Adam\n", "\n", line]
    codec = FastPositionCodec()
    pos = codec.position_from_client_units(lines, t.Position(2, len(line)))
    assert (pos.line, pos.character) == (2, len(line))
    back = codec.position_to_client_units(lines, pos)
    assert (back.line, back.character) == (2, len(line))
    assert len(calls) == 0  # pygls's codec: 200,000 calls for these two conversions


def test_the_fast_codec_agrees_with_pygls_s() -> None:
    rng = random.Random(4)
    for encoding in ("utf-8", "utf-16", "utf-32"):
        ours, theirs = FastPositionCodec(encoding), PositionCodec(encoding)
        for _ in range(2000):
            # (a line break inside a line too: the codec counts ``\r\n`` as pygls does)
            lines = ["".join(rng.choice("ab é\u2028😀\r\n") for _ in range(rng.randrange(6)))]
            lines += ["abc\r\n", "", "x\n", "\r\r\n"]
            p = t.Position(rng.randrange(6), rng.randrange(9))
            got = ours.position_from_client_units(lines, t.Position(p.line, p.character))
            want = theirs.position_from_client_units(lines, t.Position(p.line, p.character))
            assert got == want
            assert ours.position_to_client_units(lines, p) == theirs.position_to_client_units(
                lines, p
            )


def test_the_fast_splits_agree_with_the_protocol_s_line_breaks() -> None:
    """``str.splitlines`` / ``str.split`` are used only where they split as the regexes do."""
    from graftlab_lsp import document, model

    rng = random.Random(7)
    for _ in range(3000):
        # half of them with the protocol's breaks only (the fast path)
        chars = "ab \r\né" + ("\v\f\x1c\x1d\x1e\x85\u2028\u2029" if rng.random() < 0.5 else "")
        text = "".join(rng.choice(chars) for _ in range(12))
        assert lines_keepends(text) == document._LINE.findall(text), repr(text)
        assert model.doc_lines(text) == model._BREAK.split(text), repr(text)

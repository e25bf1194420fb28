"""``reparse``: parsing a file again after an edit reuses the unchanged statements, and the
result is always the plain parse's (syntax tree, errors, positions)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from graftlab.io import reparse, syntax
from graftlab.io.errors import FormatError
from graftlab.io.loader import loads_file

TEXT = '''"""An experiment."""

from graftlab.ml import (
    Dense,
    Sequential,
)

width = 16
layers = [
    Dense(features=width),
    Dense(features=8),
]
model = Sequential(
    layers=layers,
)
table = {"a": 1, "b": [1, 2, 3]}
experiment = model
'''


def _same(res: tuple) -> tuple:
    module, errors, _src = res
    return repr(module), [(e.message, e.span, type(e).__name__, e.source_line) for e in errors]


def _check(r: reparse.Reparser, text: str) -> None:
    assert _same(r.parse(text)) == _same(syntax.parse(text, r.file, bulk=True))


def test_an_edit_inside_one_statement_parses_only_that_statement() -> None:
    r = reparse.Reparser("exp.py")
    _check(r, TEXT)
    assert r.parsed == 7  # docstring, import, 5 assignments: each a piece of its own
    _check(r, TEXT.replace("features=8", "features=9"))
    assert r.parsed == 1
    _check(r, TEXT.replace("features=8", "features=9"))
    assert r.parsed == 0


def test_lines_inserted_above_move_the_statements_below_without_parsing_them() -> None:
    r = reparse.Reparser("exp.py")
    _check(r, TEXT)
    moved = TEXT.replace("width = 16\n", "width = 16\n\n\n# a comment\n")
    module, _errors, _src = r.parse(moved)
    assert r.parsed == 1  # only the piece that holds the new lines
    assert _same((module, _errors, _src)) == _same(syntax.parse(moved, "exp.py", bulk=True))
    experiment = next(a for a in module.assigns if a.name == "experiment")
    assert experiment.span.line == moved.split("\n").index("experiment = model") + 1


@pytest.mark.parametrize(
    "text",
    [
        TEXT + "x = [\nfoo,\n]\n",  # a cut inside brackets: joined with the next piece
        TEXT + 'doc = """\nabc = 1\n"""\n',  # a cut inside a string
        TEXT + "from graftlab.ml import Conv\n",  # an import after assignments
        TEXT + "if x:\n    y = 1\nelse:\n    y = 2\n",  # a compound statement
        TEXT + "experiment = (\n",  # a syntax error: the whole text is parsed
        TEXT + '"""not a docstring"""\n',
        TEXT.replace("width = 16", "width = 16 +"),
        "x = 1\r\ny = 2\r\n",
        "from __future__ import annotations\nx = 1\n",
        "",
        "# only a comment\n",
        "\n\nx = 1",
    ],
)
def test_the_result_is_the_plain_parse_s(text: str) -> None:
    r = reparse.Reparser("exp.py")
    _check(r, TEXT)
    _check(r, text)
    _check(r, TEXT)


def test_random_edits_give_the_plain_parse_s_result() -> None:
    rng = random.Random(7)
    r = reparse.Reparser("exp.py")
    lines = TEXT.split("\n")
    snippets = [
        "",
        "# c",
        "y = 3",
        "    z=1,",
        "x = Dense(",
        ")",
        '"""',
        "[",
        "from m import (",
        "é = 1",
    ]
    for _ in range(300):
        n = rng.randrange(len(lines) + 1)
        op = rng.random()
        if op < 0.4:
            lines.insert(n, rng.choice(snippets))
        elif op < 0.7 and lines:
            del lines[min(n, len(lines) - 1)]
        elif lines:
            k = min(n, len(lines) - 1)
            lines[k] = lines[k][: rng.randrange(len(lines[k]) + 1)] + rng.choice(snippets)
        _check(r, "\n".join(lines))


def test_long_literals_in_a_large_file_come_back_as_bulk_regions(tmp_path: Path) -> None:
    numbers = ", ".join(str(i) for i in range(20_000))
    text = f"a = [{numbers}]\nb = 1\n"
    r = reparse.Reparser("big.py")
    module, errors, _src = r.parse(text)
    assert not errors and isinstance(module.assigns[0].value, syntax.BulkE)
    _check(r, text.replace("b = 1", "b = 2"))
    assert r.parsed == 1


def test_the_loader_reuses_statements_only_inside_the_scope(tmp_path: Path) -> None:
    reparsers = reparse.Reparsers()
    text = "x = 1\ny = [x, 2]\n"
    with reparse.reusing(reparsers):
        assert loads_file(text, file=str(tmp_path / "e.py")).values == {"x": 1, "y": [1, 2]}
    parser = reparsers.for_file(str(tmp_path / "e.py"))
    assert parser.parsed == 2
    with reparse.reusing(reparsers):
        loaded = loads_file(text.replace("2]", "3]"), file=str(tmp_path / "e.py"))
    assert loaded.values == {"x": 1, "y": [1, 3]} and parser.parsed == 1
    with pytest.raises(FormatError, match="unknown name 'z'"), reparse.reusing(reparsers):
        loads_file(text.replace("2]", "z]"), file=str(tmp_path / "e.py"))


def test_the_loader_reuses_values_whose_statement_and_names_did_not_change(
    tmp_path: Path,
) -> None:
    reparsers = reparse.Reparsers()
    file = str(tmp_path / "e.py")
    text = "a = 1\nb = [a, 2]\nc = {'k': b}\nd = [3]\n"

    def load(t: str) -> dict:
        with reparse.reusing(reparsers):
            loaded = loads_file(t, file=file)
        plain = loads_file(t, file=file)
        assert loaded.values == plain.values
        assert loaded.source_map.entries == plain.source_map.entries
        return loaded.values

    first = load(text)
    memo = reparsers.for_file(file).memo
    assert memo.reused == 0
    again = load(text)
    assert memo.reused == 4 and again["d"] is first["d"]
    # a changes: b and c (which use it, directly or not) are built again, d is reused
    edited = load(text.replace("a = 1", "a = 5"))
    assert memo.reused == 1 and edited["d"] is first["d"]
    assert edited["c"] == {"k": [5, 2]}
    # an error is reported every time, never reused away
    bad = text.replace("d = [3]", "d = [zz]")
    for _ in range(2):
        with pytest.raises(FormatError, match="unknown name 'zz'"), reparse.reusing(reparsers):
            loads_file(bad, file=file)

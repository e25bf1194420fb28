"""The keyword argument under the cursor (``names.keyword_at``), which hover and go to
definition share, over a real index of a small workspace."""

from __future__ import annotations

from pathlib import Path

from graftlab_lsp.features.definition import definition
from graftlab_lsp.features.hover import hover
from graftlab_lsp.names import keyword_at, word_at
from lsp_workspace import TEAM

from graftlab.index import Index

HEADER = "from team import Conv, Dense\n\n"


def keyword(index: Index, body: str, column: int) -> tuple[object, object] | None:
    """``keyword_at`` on the word at ``column`` of the one-line body after the header."""
    text = HEADER + body
    lines = text.split("\n")
    word = word_at(lines[2], column)
    assert word is not None
    return keyword_at(index, text, lines, 2, word)


def test_a_keyword_resolves_to_its_callee_and_argument(team_index: Index) -> None:
    found = keyword(team_index, "x = Conv(features=1, padding='same')", 23)
    assert found is not None
    info, arg = found
    assert info.qualname == "team.Conv"
    assert arg.name == "padding"


def test_an_unknown_keyword_keeps_its_callee(team_index: Index) -> None:
    found = keyword(team_index, "x = Conv(nonsense=1)", 11)
    assert found is not None
    info, arg = found
    assert info.qualname == "team.Conv" and arg is None


def test_a_keyword_of_an_unknown_callee(team_index: Index) -> None:
    assert keyword(team_index, "x = Missing(units=1)", 14) == (None, None)


def test_outside_a_call_and_comparisons_are_no_keywords(team_index: Index) -> None:
    assert keyword(team_index, "x = 1", 0) == (None, None)  # an assignment, no call
    assert keyword(team_index, "y = Dense(units == 2)", 11) is None
    assert keyword(team_index, "y = Dense(units)", 11) is None


def test_definition_of_a_keyword_goes_to_its_parameter(team_index: Index, team_root: Path) -> None:
    loc = definition(team_index, HEADER + "x = Conv(features=1, padding='same')", 2, 23)
    assert loc.file == str(team_root / "team.py")
    assert TEAM.split("\n")[loc.line - 1].strip().startswith("padding:")
    loc = definition(team_index, HEADER + "x = Conv(nonsense=1)", 2, 11)
    assert loc.line == TEAM.split("\n").index("class Conv(Layer):") + 1


def test_hover_on_a_keyword_and_on_a_derived_experiment(team_index: Index) -> None:
    text = hover(team_index, HEADER + "x = Dense(units=3)", 2, 12)
    assert text is not None and text.startswith("**Dense.units**: `int` (default `8`)")
    derived = {"materialized": "experiment = Dense(units=9)\n", "provenance": {}}
    text = hover(team_index, HEADER + "experiment = Dense(units=3)", 2, 3, derived)
    assert text is not None and "experiment = Dense(units=9)" in text
    assert hover(team_index, HEADER + "experiment = Dense(units=3)", 2, 3) is None

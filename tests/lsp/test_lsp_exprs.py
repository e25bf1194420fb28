"""The one walk over a document's expressions (``graftlab_lsp.exprs.walk``) that references
and run anchors share: every value in source order, none missed inside calls, lists, tuples
or dict values."""

from __future__ import annotations

from graftlab_lsp.anchors import uri_span
from graftlab_lsp.exprs import walk

from graftlab.io.syntax import CallE, Lit, parse

TEXT = """\
from graftlab import Derived
from team import Conv, Node

stem = Node(Conv(1), table={"k": Conv(2, name="in-dict")}, pair=(3, [4, "team/widen"]))
experiment = Derived(base="baseline", patches=["team/widen?factor=3", "team/lr?0.5"])
"""


def test_walk_visits_every_value_in_source_order() -> None:
    module, errors, _src = parse(TEXT)
    assert not errors
    stem, experiment = (a.value for a in module.assigns)
    literals = [e.value for e in walk(stem) if isinstance(e, Lit)]
    assert literals == [1, 2, "in-dict", 3, 4, "team/widen"]
    calls = [e for e in walk(stem) if isinstance(e, CallE)]
    assert [c.callee.name for c in calls] == ["Node", "Conv", "Conv"]  # type: ignore[union-attr]
    assert [e.value for e in walk(experiment) if isinstance(e, Lit)] == [
        "baseline",
        "team/widen?factor=3",
        "team/lr?0.5",
    ]


def test_uri_span_finds_the_first_literal_holding_the_uri() -> None:
    lines = TEXT.split("\n")
    line, column, end_line, end = uri_span(TEXT, "team/lr?0.5")  # type: ignore[misc]
    assert line == end_line == 4
    assert lines[4][column:end] == '"team/lr?0.5"'
    line, column, _, end = uri_span(TEXT, "team/widen")  # type: ignore[misc]
    assert (line, lines[line][column:end]) == (3, '"team/widen"')  # inside a tuple of the stem
    assert uri_span(TEXT, "in-dict") is not None  # a dict value is walked too
    assert uri_span(TEXT, "team/none") is None

"""Long literals take the C-speed path and give exactly what the plain parse gives.

The thresholds are lowered so that small texts take the fast path; every case compares the
values, the spans and the errors of both paths.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import graftlab as gl
from graftlab.io import bulk, syntax


@pytest.fixture
def small_regions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MIN_FILE", 0)
    monkeypatch.setattr(bulk, "MIN_REGION", 2)


def outcome(text: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Values and spans of every name, or the errors (message, line, column)."""
    monkeypatch.setattr(bulk, "MIN_FILE", 0 if fast else 10**12)
    try:
        loaded = gl.loads_file(text, allowed_modules=["format_classes"])
    except gl.FormatError as e:
        errs = getattr(e, "errors", [e])
        return [(x.message, x.line, x.column) for x in errs]
    spans = {str(p): tuple(loc.value) for p, loc in loaded.source_map.entries.items()}
    return repr(loaded.values), spans


def used_fast_path(text: str) -> bool:
    module, _errors, _src = syntax.parse(text, bulk=True)
    found = []

    def walk(e: Any) -> None:
        if isinstance(e, syntax.BulkE):
            found.append(e)
        for child in getattr(e, "items", []) + getattr(e, "values", []):
            walk(child)
        for child in getattr(e, "args", []):
            walk(child)
        for kw in getattr(e, "kwargs", []):
            walk(kw.value)

    for a in module.assigns:
        walk(a.value)
    return bool(found)


SAME = [
    "x = [1, 2.5, -3, -0.0, 1e400, 5e-324, 12345678901234567890]\n",
    'x = {"a": [1, 2], "b": {"c": "d"}, "": []}\n',
    'x = ["é", "日本", "😀", "a#b", "[x]"]\ny = 1\n',
    'x = {"a": [1, 2]}  # a comment [1, 2]\n',
    "x = [\n    [1, 2],\n    [3, 4],\n]\ny = [x, x]\n",
    'x = ["é", 2]; y = [3, 4]\n',  # a statement after the region on its line
    'from format_classes import Node\nx = Node(value=[1, 2, 3], table={"k": [4, 5]})\n',
]

DIFFERENT_TOKENS = [
    "x = [true, 1]\n",  # a name in Python
    "x = [NaN, 1]\n",
    "x = [Infinity]\n",
    'x = {"a": 1, "a": 2}\n',  # a duplicate key
    'x = ["a\\u00e9", "b\\n"]\n',  # escapes: the plain path decides
    "x = [1, 2,]\n",
    "x = [01, 2]\n",
    "x = [1_000, 2]\n",
    "x = a[1, 2]\n",
    "x = 1 == [1, 2]\n",
    "x = (# =\n[1, 2])\n",
    'x = "[1, 2]"\n',
    "x = '''\n= [1, 2]\n'''\n",
    "x = [1, 2] + [3]\n",
    "x = [[[[1]]]]\n",
    "x = [1, 2\n",
    'x = [1, "a\nb"]\n',
    "x = [" + "1, " * 3 + '"' + "é" * 3 + '"]; y = [1, 2] + 1\n',
]


@pytest.mark.parametrize("text", SAME + DIFFERENT_TOKENS)
def test_both_paths_agree(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk, "MIN_REGION", 2)
    slow = outcome(text, False, monkeypatch)
    fast = outcome(text, True, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("text", SAME[:6])
def test_plain_literals_take_the_fast_path(text: str, small_regions: None) -> None:
    assert used_fast_path(text)


@pytest.mark.parametrize("text", DIFFERENT_TOKENS[:9])
def test_other_tokens_take_the_plain_path(text: str, small_regions: None) -> None:
    assert not used_fast_path(text)


def test_errors_inside_a_long_literal_point_at_the_element(small_regions: None) -> None:
    text = "from format_classes import Conv\nx = Conv(features=[1, 2, 3])\n"
    with pytest.raises(gl.FormatError) as info:
        gl.loads_file(text, allowed_modules=["format_classes"])
    assert info.value.line == 2


def test_element_spans_are_computed_on_demand(small_regions: None) -> None:
    text = 'x = {"a": [10, 20, 30]}\n'
    loaded = gl.loads_file(text)
    smap = loaded.source_map
    assert smap._bulk  # nothing expanded by loading
    assert smap.span_of("x['a'][1]") == gl.Span(1, 15, 1, 17)
    assert smap.key_span_of("x['a']") == gl.Span(1, 5, 1, 8)
    assert not smap._bulk


def test_a_large_file_loads_fast_and_equal() -> None:
    values = [i * 0.5 for i in range(20_000)]
    text = "x = [" + ", ".join(repr(v) for v in values) + "]\n"
    assert len(text) > bulk.MIN_FILE
    assert used_fast_path(text)
    x = gl.loads(text, "x")
    assert x == values and all(type(v) is float for v in x)
    assert math.copysign(1, gl.loads("x = [-0.0" + ", 0" * 40_000 + "]\n", "x")[0]) == -1


def test_parsing_odd_text_warns_nothing() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gl.loads('x = "\\("\n', "x") == "\\("


def test_graft_fmt_writes_long_literals_as_the_plain_parse_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = 'x = {"a": [' + ", ".join(f"{i}.5e-3" for i in range(30)) + '], "b": "é"}  # c\n'
    monkeypatch.setattr(bulk, "MIN_REGION", 2)
    monkeypatch.setattr(bulk, "MIN_FILE", 0)
    assert used_fast_path(text)
    fast = gl.format_text(text)
    monkeypatch.setattr(bulk, "MIN_FILE", 10**12)
    assert fast == gl.format_text(text)

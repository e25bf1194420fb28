"""Fuzzing the safe loader: any text either loads or raises a FormatError, runs nothing, and
the C-speed literal path agrees with the plain parse on every literal."""

from __future__ import annotations

import math
import sys
from typing import Any

from fuzz_corpus import CORPUS, FUZZ, mutated, template_repo
from hypothesis import example, given
from hypothesis import strategies as st

import graftlab as gl
from graftlab.io import bulk

NEVER = ("graftlab.cli.__main__", "graftlab.annotate.__main__", "graftlab_lsp.server")


def _load(text: str, **kwargs: Any) -> None:
    try:
        gl.loads_file(text, **kwargs)
    except gl.FormatError:
        pass
    for name in NEVER:
        assert name not in sys.modules, f"loading imported {name}"


@FUZZ
@given(mutated())
@example("import graftlab.cli.__main__\nx = 1\n")
@example("from graftlab import cli\nx = cli.main.main\n")
@example("x = [" * 200 + "]" * 200)
@example("a = [1]\nb = [a, a]\nc = [b, b]\nx = [c] * 3\n")
@example(CORPUS[0].replace("Conv(features=16)", "Conv(features=[])"))
def test_any_text_loads_or_raises_a_format_error(text: str) -> None:
    _load(text)


@FUZZ
@given(mutated())
def test_derived_experiments_stay_inside_the_repository(text: str) -> None:
    # as the workflow loads a pull request's file: from the template's experiments folder
    _load(text, base_dir=template_repo() / "experiments", materialize=True)


# -- the literal fast path against the plain parse ----------------------------------------

scalars = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from([True, False, None, -0.0, 1e308, 5e-324]),
)
values = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=6),
        st.dictionaries(st.text(max_size=4), kids, max_size=4),
        st.tuples(kids, kids),
    ),
    max_leaves=40,
)


@st.composite
def literal_text(draw: st.DrawFn) -> str:
    """A value written as Python literal text, with varied spacing and line breaks."""
    sep = draw(st.sampled_from([", ", ",", ",\n    ", " ,  ", ",\n"]))
    trailing = draw(st.sampled_from(["", ","]))

    def write(v: Any) -> str:
        if isinstance(v, float) and math.isinf(v):
            return "1e999" if v > 0 else "-1e999"
        if isinstance(v, str):
            return draw(st.sampled_from([repr(v), '"' + v.replace('"', "") + '"']))
        if isinstance(v, list):
            return "[" + sep.join(write(x) for x in v) + (trailing if v else "") + "]"
        if isinstance(v, tuple):
            return "(" + sep.join(write(x) for x in v) + ")"
        if isinstance(v, dict):
            body = sep.join(f'"{k.replace(chr(34), "")}": {write(x)}' for k, x in v.items())
            return "{" + body + "}"
        return repr(v)

    return f"x = {write(draw(values))}\ny = [x, x]\n"


def _outcome(text: str, fast: bool) -> Any:
    old = bulk.MIN_FILE, bulk.MIN_REGION
    bulk.MIN_FILE, bulk.MIN_REGION = (0, 2) if fast else (10**12, 10**12)
    try:
        loaded = gl.loads_file(text)
    except gl.FormatError as e:
        return [(x.message, x.line, x.column) for x in getattr(e, "errors", [e])]
    finally:
        bulk.MIN_FILE, bulk.MIN_REGION = old
    spans = {str(p): tuple(loc.value) for p, loc in loaded.source_map.entries.items()}
    bulk.MIN_FILE, bulk.MIN_REGION = (0, 2) if fast else (10**12, 10**12)
    try:
        formatted = gl.format_text(text)  # graft fmt writes both the same way
    finally:
        bulk.MIN_FILE, bulk.MIN_REGION = old
    return repr(loaded.values), spans, formatted


@FUZZ
@given(st.one_of(literal_text(), mutated(['x = [1, -2.5, "a", {"k": [3, 4]}]\ny = [x, x]\n'])))
@example('x = {"a": 1, "a": 2}\n')
@example('x = ["\\u00e9", true]\n')
def test_the_literal_fast_path_agrees_with_the_plain_parse(text: str) -> None:
    assert _outcome(text, True) == _outcome(text, False)

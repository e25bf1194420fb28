"""Property tests: every writable tree reads back equal, and the text is a fixed point."""

from __future__ import annotations

import keyword
import math
import struct
from typing import Any

import format_classes as fc
from format_classes import ALLOWED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graftlab as gl

SETTINGS = settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])

# Text with quotes, backslashes, newlines, control characters and non-ASCII (no surrogates).
awkward_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("'\"\\\n\r\t\x00\x0c\x85\u2028 #{}()=,é🙂")),
        st.characters(exclude_categories=("Cs",)),
    ),
    max_size=12,
)

scalars = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([-0.0, 0.0, 5e-324, 1e-300, math.inf, -math.inf, math.nan]),
    awkward_text,
    st.booleans(),
    st.none(),
    st.sampled_from(list(fc.Act) + list(fc.Level)),
)


def _objects(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    conv = st.builds(
        fc.Conv,
        features=st.integers(1, 4096),
        kernel_size=st.integers(-5, 5),
        activation=st.sampled_from(list(fc.Act)),
        padding=st.sampled_from(["same", "valid"]),
    )
    node = st.builds(
        fc.Node,
        value=children,
        children=st.lists(children, max_size=3),
        table=st.none() | st.dictionaries(awkward_text, children, max_size=3),
        level=st.sampled_from(list(fc.Level)),
    )
    pair = st.builds(fc.Pair, children, children)
    stack = st.builds(
        lambda items, scale: fc.Stack(*items, scale=scale),
        st.lists(children, max_size=3),
        st.floats(allow_nan=True),
    )
    pos_only = st.builds(fc.PosOnly, st.integers(-3, 3), b=st.integers(-3, 3))
    opt = st.builds(fc.make_opt, lr=st.floats(0.0, 1.0), momentum=st.floats(allow_nan=True))
    return st.one_of(conv, node, pair, stack, pos_only, opt)


trees = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(awkward_text, children, max_size=4),
        _objects(children),
    ),
    max_leaves=25,
)


def same_bits(a: Any, b: Any) -> bool:
    """Equality that also tells -0.0 from 0.0 and compares NaN equal (walks plain containers)."""
    if type(a) is float and type(b) is float:
        return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))
    return True


@SETTINGS
@given(trees)
def test_loads_dumps_round_trip(x: Any) -> None:
    text = gl.dumps(x)
    back = gl.loads(text, allowed_modules=ALLOWED)
    assert gl.eq(back, x), (text, back)
    assert gl.dumps(back) == text


@SETTINGS
@given(trees)
def test_dumps_with_defaults_round_trips_too(x: Any) -> None:
    text = gl.dumps(x, include_defaults=True)
    back = gl.loads(text, allowed_modules=ALLOWED)
    assert gl.eq(back, x)
    assert gl.dumps(back, include_defaults=True) == text
    assert gl.dumps(back) == gl.dumps(x)


@SETTINGS
@given(trees)
def test_format_text_of_dumps_is_unchanged(x: Any) -> None:
    text = gl.dumps(x)
    assert gl.format_text(text, allowed_modules=ALLOWED) == text


@SETTINGS
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=8))
def test_floats_are_bit_identical(xs: list[float]) -> None:
    back = gl.loads(gl.dumps(xs))
    assert len(back) == len(xs)
    for a, b in zip(back, xs, strict=True):
        assert type(a) is float
        assert same_bits(a, b)


@SETTINGS
@given(awkward_text, st.dictionaries(awkward_text, awkward_text, max_size=4))
def test_strings_and_dict_keys(s: str, d: dict[str, str]) -> None:
    assert gl.loads(gl.dumps(s)) == s
    assert gl.loads(gl.dumps(d)) == d
    assert list(gl.loads(gl.dumps(d))) == list(d)  # key order is kept


@SETTINGS
@given(st.text(max_size=40))
def test_docstrings(doc: str) -> None:
    text = gl.dumps(fc.Conv(1), docstring=doc)
    loaded = gl.loads_file(text, allowed_modules=ALLOWED)
    assert loaded.docstring == doc
    assert gl.format_text(text, allowed_modules=ALLOWED) == text


@SETTINGS
@given(
    st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
            lambda n: not keyword.iskeyword(n) and not n.startswith("__")
        ),
        trees,
        max_size=4,
    )
)
def test_modules_of_several_names(values: dict[str, Any]) -> None:
    values = {k: v for k, v in values.items() if not k.startswith("__")}
    text = gl.dumps_module(values)
    loaded = gl.loads_file(text, allowed_modules=ALLOWED)
    assert list(loaded.values) == list(values)
    for k, v in values.items():
        assert gl.eq(loaded[k], v)
    assert gl.dumps_module(loaded.values) == text
    assert gl.format_text(text, allowed_modules=ALLOWED) == text

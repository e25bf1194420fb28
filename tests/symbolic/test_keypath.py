"""Key paths: parsing, formatting, navigation helpers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graftlab as gl
from graftlab import KeyPath

identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
keys = st.one_of(
    identifiers,
    st.integers(min_value=-(10**6), max_value=10**9),
    st.text(max_size=10),
    st.text(alphabet="'\"\\[]. \n\té中🙂", max_size=6),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(keys, max_size=6))
def test_parse_format_round_trip(items: list[object]) -> None:
    path = KeyPath(items)
    text = str(path)
    parsed = KeyPath.parse(text)
    assert parsed == path
    assert [type(k) for k in parsed] == [type(k) for k in path]
    assert str(parsed) == text


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("", ()),
        ("a", ("a",)),
        ("a.b", ("a", "b")),
        ("model.layers[3].features", ("model", "layers", 3, "features")),
        ("[0][1]", (0, 1)),
        ("x[-1]", ("x", -1)),
        ("opts['learning rate']", ("opts", "learning rate")),
        ('opts["it\'s"]', ("opts", "it's")),
        (r"d['a\\b']", ("d", "a\\b")),
        ("d['']", ("d", "")),
        ("d['1']", ("d", "1")),
    ],
)
def test_parse_examples(text: str, keys: tuple[object, ...]) -> None:
    assert tuple(KeyPath.parse(text)) == keys


@pytest.mark.parametrize(
    ("keys", "text"),
    [
        ((), ""),
        (("a", 0, "b"), "a[0].b"),
        ((0, "a"), "[0].a"),
        (("a", "b c"), "a['b c']"),
        (("a", "it's"), r"a['it\'s']"),
        (("a", "1x"), "a['1x']"),
        (("a", "x.y"), "a['x.y']"),
        (("é",), "['é']"),
    ],
)
def test_format_examples(keys: tuple[object, ...], text: str) -> None:
    assert str(KeyPath(keys)) == text


@pytest.mark.parametrize("bad", ["a..b", ".a", "a.", "a[", "a[x]", "a b", "a['x]", "[1]b", "a.[0]"])
def test_malformed_paths_raise_keypath_error(bad: str) -> None:
    with pytest.raises(gl.KeyPathError) as info:
        KeyPath.parse(bad)
    assert repr(bad) in str(info.value)
    assert isinstance(info.value, KeyError)


def test_parse_passes_through_paths_and_tuples() -> None:
    p = KeyPath(("a", 1))
    assert KeyPath.parse(p) is p
    assert KeyPath.parse(("a", 1)) == p
    assert isinstance(KeyPath.parse(["a", 1]), KeyPath)


def test_helpers() -> None:
    p = KeyPath.parse("a.b[2]")
    assert p.parent == KeyPath.parse("a.b")
    assert p.key == 2
    assert KeyPath().key is None
    assert KeyPath().parent == KeyPath()
    assert p.child("c") == KeyPath.parse("a.b[2].c")
    assert p + "c" == KeyPath.parse("a.b[2].c")
    assert p + 3 == KeyPath.parse("a.b[2][3]")
    assert p + ("x", 1) == KeyPath.parse("a.b[2].x[1]")  # noqa: RUF005 - tests __add__
    assert isinstance(p + ("x",), KeyPath)  # noqa: RUF005
    assert KeyPath.parse("a.b").is_prefix_of(p)
    assert p.is_prefix_of(p)
    assert not p.is_prefix_of(KeyPath.parse("a.b"))
    assert not KeyPath.parse("a.c").is_prefix_of(p)
    assert repr(p) == "KeyPath('a.b[2]')"
    assert hash(p) == hash(KeyPath.parse("a.b[2]"))


def test_keypath_error_str_is_not_repr_quoted() -> None:
    err = gl.KeyPathError("no such key", KeyPath.parse("a.b"))
    assert str(err) == "a.b: no such key"
    assert err.path == KeyPath.parse("a.b")

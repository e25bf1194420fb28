"""Fuzzing the URI parser and the JSON reader: only their own errors, and round trips."""

from __future__ import annotations

import json
from typing import Any

from fuzz_corpus import CORPUS, FUZZ, mutated
from hypothesis import example, given
from hypothesis import strategies as st

import graftlab as gl
import graftlab.ml.rules


def _rule_names() -> list[str]:
    return sorted(gl.rules())


uri_seeds = [
    f"{name}?{q}"
    for name in _rule_names()[:12]
    for q in ("", "0.5", "factor=2", "name=digits&x=1", "a=%20b&c=[1,2]")
]


@FUZZ
@given(st.one_of(st.text(max_size=40), mutated(uri_seeds)))
@example("t/s?name=\ud800")
@example("t/s?name=%ED%A0%80")
@example("a?=1&&")
def test_uris_parse_or_raise_a_uri_error(uri: str) -> None:
    try:
        gl.parse_uri(uri)
    except gl.URIError:
        pass
    try:
        rule = gl.rule_from_uri(uri)
    except gl.PatchError:  # URIError, UnknownRuleError
        return
    again = gl.rule_from_uri(rule.uri())
    assert gl.eq(again, rule)


@FUZZ
@given(st.text(max_size=30))
def test_text_values_survive_a_uri_round_trip(value: str) -> None:
    try:
        uri = gl.format_uri("t/fuzz", {"k": value})
    except UnicodeEncodeError:
        raise AssertionError("format_uri cannot write a str value") from None
    try:
        parsed = gl.parse_uri(uri)
    except gl.URIError:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in value)  # not text: refused
        return
    assert parsed.keyword[0].value == value


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6)),
    lambda kids: st.one_of(
        st.lists(kids, max_size=4),
        st.dictionaries(
            st.one_of(
                st.sampled_from(["__type__", "__tuple__", "__enum__", "__class__", "__float__"]),
                st.sampled_from(["__dict__", "name", "features", "x"]),
                st.text(max_size=4),
            ),
            st.one_of(
                kids,
                st.sampled_from(
                    [
                        "graftlab.cli.demo_components.Conv",
                        "os.system",
                        "graftlab.patching.derived.Derived",
                        "inf",
                        "nan",
                    ]
                ),
            ),
            max_size=4,
        ),
    ),
    max_leaves=30,
)


def _from(data: Any) -> None:
    try:
        gl.from_json(data)
    except gl.GraftError:
        pass


@FUZZ
@given(json_values)
@example([[[[[[1]]]]]] * 2)
@example({"__type__": "os.system", "command": "true"})
def test_from_json_builds_or_raises_its_own_error(data: Any) -> None:
    _from(data)


def _seed_json() -> list[str]:
    out = []
    for text in CORPUS:
        try:
            out.append(gl.to_json_str(gl.loads_file(text, materialize=False).values))
        except gl.GraftError:
            continue
    return out


@FUZZ
@given(mutated(_seed_json()))
@example("[" * 100_000)
@example("9" * 5000)  # found by the fuzzer: ValueError from the digit limit
def test_json_text_loads_or_raises_its_own_error(text: str) -> None:
    try:
        gl.from_json_str(text)
    except gl.GraftError:
        pass
    except json.JSONDecodeError:  # pragma: no cover - would be a bug
        raise

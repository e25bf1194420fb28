"""Patch URIs: ``name?pos&key=value``, percent-decoding, conversion by type, and errors that
name the rule, the argument and what was expected (with the argument's offset in the URI)."""

from __future__ import annotations

import math
from typing import Annotated, Literal, Optional

import patch_classes as pc
import pytest

import graftlab as gl


@gl.patcher("t/uri/types")
def types_rule(
    target: object,
    i: int = 0,
    f: float = 0.0,
    b: bool = False,
    s: str = "",
    o: Optional[int] = 5,  # noqa: UP045 - the old spelling is part of what is tested
    e: pc.Act = pc.Act.RELU,
    lv: pc.Level = pc.Level.LOW,
    lit: Literal["a", "b", 3] = "a",
    li: list[int] = [],  # noqa: B006
    ls: list[str] = [],  # noqa: B006
    tu: tuple[int, int] = (1, 1),
    tv: tuple[int, ...] = (),
    u: int | str = 0,
    fn: float | None = None,
    r: Annotated[int, gl.Range(0, 10)] = 0,
    lr: list[Annotated[int, gl.Range(1, 5)]] = [],  # noqa: B006
) -> dict[str, object]:
    """Every type a URI can spell."""
    return {}


@gl.patcher("t/uri/two")
def two_rule(
    target: object, lr: Annotated[float, gl.Range(0.0, 1.0)], steps: int = 10
) -> dict[str, object]:
    """A rule with a required argument and an optional one."""
    return {}


@gl.patcher("t/uri/none")
def no_args_rule(target: object) -> dict[str, object]:
    return {}


@gl.patcher("t/uri.ns-a/rule_1.x")
def dotted_rule(target: object, k: int = 1) -> dict[str, object]:
    return {}


def args(uri: str) -> dict[str, object]:
    return gl.rule_from_uri(uri).bound_args


def uri_error(uri: str, cls: type[Exception] = gl.URIError) -> gl.URIError:
    with pytest.raises(cls) as info:
        gl.rule_from_uri(uri)
    err = info.value
    assert isinstance(err, gl.URIError) and isinstance(err, gl.PatchError)
    assert err.uri == uri
    assert repr(uri) in str(err)
    return err


# --- parsing ------------------------------------------------------------------------------


def test_parse_splits_name_and_arguments_with_offsets() -> None:
    p = gl.parse_uri("team_b/swap_conv?3&x=a%26b&flag=")
    assert p.name == "team_b/swap_conv"
    assert [(a.key, a.text, a.value) for a in p.args] == [
        (None, "3", "3"),
        ("x", "a%26b", "a&b"),
        ("flag", "", ""),
    ]
    assert [a.key for a in p.positional] == [None]
    assert [a.key for a in p.keyword] == ["x", "flag"]
    uri = p.uri
    for a in p.args:
        assert uri[a.offset : a.offset + a.length] == (f"{a.key}={a.text}" if a.key else a.text)
        assert uri[a.value_offset : a.value_offset + len(a.text)] == a.text


@pytest.mark.parametrize("uri", ["scale_width", "scale_width?", "a.b-c/d_e.f"])
def test_parse_names_without_arguments(uri: str) -> None:
    p = gl.parse_uri(uri)
    assert p.name == uri.rstrip("?")
    assert p.args == ()


def test_value_may_contain_equals_sign() -> None:
    assert args("t/uri/types?s=a=b")["s"] == "a=b"


# --- conversion by type -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "key", "expected"),
    [
        ("t/uri/types?i=1_000", "i", 1000),
        ("t/uri/types?-3", "i", -3),
        ("t/uri/types?i=%2B7", "i", 7),
        ("t/uri/types?f=0.003", "f", 0.003),
        ("t/uri/types?f=3e-3", "f", 0.003),
        ("t/uri/types?f=1e-3", "f", 0.001),
        ("t/uri/types?f=-2", "f", -2.0),
        ("t/uri/types?f=inf", "f", math.inf),
        ("t/uri/types?f=-inf", "f", -math.inf),
        ("t/uri/types?b=true", "b", True),
        ("t/uri/types?b=TRUE", "b", True),
        ("t/uri/types?b=Yes", "b", True),
        ("t/uri/types?b=on", "b", True),
        ("t/uri/types?b=1", "b", True),
        ("t/uri/types?b=False", "b", False),
        ("t/uri/types?b=no", "b", False),
        ("t/uri/types?b=OFF", "b", False),
        ("t/uri/types?b=0", "b", False),
        ("t/uri/types?o=none", "o", None),
        ("t/uri/types?o=None", "o", None),
        ("t/uri/types?o=NULL", "o", None),
        ("t/uri/types?o=7", "o", 7),
        ("t/uri/types?e=gelu", "e", pc.Act.GELU),
        ("t/uri/types?e=GELU", "e", pc.Act.GELU),
        ("t/uri/types?e=Leaky_Relu", "e", pc.Act.LEAKY_RELU),
        ("t/uri/types?e=leaky_relu", "e", pc.Act.LEAKY_RELU),
        ("t/uri/types?lv=HIGH", "lv", pc.Level.HIGH),
        ("t/uri/types?lv=2", "lv", pc.Level.HIGH),
        ("t/uri/types?lit=b", "lit", "b"),
        ("t/uri/types?lit=3", "lit", 3),
        ("t/uri/types?li=1,2,3", "li", [1, 2, 3]),
        ("t/uri/types?li=[1,2]", "li", [1, 2]),
        ("t/uri/types?ls=%5Bx%5D", "ls", ["[x]"]),  # encoded brackets are data
        ("t/uri/types?li=", "li", []),
        ("t/uri/types?li=7", "li", [7]),
        ("t/uri/types?ls=a%2Cb,c", "ls", ["a,b", "c"]),
        ("t/uri/types?ls=x%26y,%3D", "ls", ["x&y", "="]),
        ("t/uri/types?tu=3,4", "tu", (3, 4)),
        ("t/uri/types?tu=(3,4)", "tu", (3, 4)),
        ("t/uri/types?tu=[5,6]", "tu", (5, 6)),
        ("t/uri/types?tv=1,2,3", "tv", (1, 2, 3)),
        ("t/uri/types?u=5", "u", 5),
        ("t/uri/types?u=abc", "u", "abc"),
        ("t/uri/types?fn=none", "fn", None),
        ("t/uri/types?fn=2.5", "fn", 2.5),
        ("t/uri/types?r=10", "r", 10),
        ("t/uri/types?r=0", "r", 0),
        ("t/uri/types?lr=1,5", "lr", [1, 5]),
    ],
)
def test_conversion_by_type(uri: str, key: str, expected: object) -> None:
    value = args(uri)[key]
    assert value == expected
    if isinstance(expected, list):
        assert isinstance(value, list)  # a symbolic list
        assert [type(v) for v in value] == [type(v) for v in expected]
    else:
        assert type(value) is type(expected)


def test_nan_and_conversion_keeps_other_defaults() -> None:
    got = args("t/uri/types?f=nan&i=2")
    assert math.isnan(got["f"])  # type: ignore[arg-type]
    assert got["i"] == 2
    assert got["s"] == "" and got["e"] is pc.Act.RELU and got["tu"] == (1, 1)


def test_positional_arguments_fill_in_signature_order() -> None:
    got = args("t/uri/types?4&2.5&yes&hello")
    assert (got["i"], got["f"], got["b"], got["s"]) == (4, 2.5, True, "hello")
    got = args("t/uri/two?0.5&steps=3")
    assert got == {"lr": 0.5, "steps": 3}


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("a%26b", "a&b"),
        ("k%3Dv", "k=v"),
        ("x%2Cy", "x,y"),
        ("100%25", "100%"),
        ("two%20words", "two words"),
        ("h%C3%A9llo", "héllo"),
        ("%E2%9C%93", "✓"),
        ("naïve", "naïve"),  # non-ASCII may also stand unencoded
        ("%F0%9F%A7%AA", "🧪"),
        ("a%3Fb%23c", "a?b#c"),
        ("path/to/x", "path/to/x"),
    ],
)
def test_percent_decoding_passes_any_string(encoded: str, decoded: str) -> None:
    assert args(f"t/uri/types?s={encoded}")["s"] == decoded
    assert args(f"t/uri/types?0&0&0&{encoded}")["s"] == decoded  # positionally too


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a&b=c",
        "50% off, really?",
        "comma,separated",
        "ünïcödé ✓ 🧪",
        "[bracketed]",
        " spaced ",
        "",
    ],
)
def test_rule_uri_round_trips_strings(value: str) -> None:
    rule = types_rule(s=value, ls=[value, "x,y"])
    uri = rule.uri()
    assert uri.startswith("t/uri/types?")
    back = gl.rule_from_uri(uri)
    assert back.bound_args["s"] == value
    assert back.bound_args["ls"] == [value, "x,y"]
    assert gl.eq(back, rule)


@pytest.mark.parametrize("items", [["[x]"], ["(a)"], ["a", ""], ["[", "]"], ["x,y", "%"]])
def test_rule_uri_round_trips_list_items(items: list[str]) -> None:
    rule = types_rule(ls=items)
    assert gl.rule_from_uri(rule.uri()).bound_args["ls"] == items


def test_rule_uri_round_trips_every_type() -> None:
    rule = types_rule(
        i=-4,
        f=3e-3,
        b=True,
        o=None,
        e=pc.Act.LEAKY_RELU,
        lv=pc.Level.HIGH,
        lit=3,
        li=[1, 2],
        tu=(7, 8),
        tv=(1,),
        u="text",
        fn=0.5,
        r=9,
        lr=[2, 3],
    )
    back = gl.rule_from_uri(rule.uri())
    assert back.bound_args == rule.bound_args
    assert gl.eq(back, rule)


def test_uri_shows_only_non_default_arguments() -> None:
    assert types_rule().uri() == "t/uri/types"
    assert types_rule(i=3).uri() == "t/uri/types?i=3"
    assert two_rule(lr=0.25).uri() == "t/uri/two?lr=0.25"
    assert gl.rule_from_uri("t/uri/two?0.25&steps=10").uri() == "t/uri/two?lr=0.25"


def test_dotted_and_dashed_namespaced_names() -> None:
    assert args("t/uri.ns-a/rule_1.x?k=4") == {"k": 4}
    assert dotted_rule(k=2).uri() == "t/uri.ns-a/rule_1.x?k=2"


# --- errors -------------------------------------------------------------------------------


def test_unknown_rule_with_did_you_mean() -> None:
    err = uri_error("t/uri/tyeps?i=1", gl.UnknownRuleError)
    assert "no patch rule named 't/uri/tyeps'" in str(err)
    assert "did you mean 't/uri/types'" in str(err)
    assert err.offset == 0 and err.length == len("t/uri/tyeps")


def test_unknown_rule_without_close_names_has_no_suggestion() -> None:
    err = uri_error("zzqqxx_nothing_like_it", gl.UnknownRuleError)
    assert "did you mean" not in str(err)


def test_unknown_argument_with_did_you_mean() -> None:
    uri = "t/uri/two?lr=0.1&stpes=3"
    err = uri_error(uri)
    assert err.argument == "stpes"
    assert err.offset == uri.index("stpes")
    assert "rule 't/uri/two' has no argument 'stpes'" in str(err)
    assert "did you mean 'steps'" in str(err)


def test_missing_argument() -> None:
    uri = "t/uri/two?steps=3"
    err = uri_error(uri)
    assert err.argument == "lr"
    assert "rule 't/uri/two' needs argument 'lr'" in str(err)
    assert "float" in str(err)  # what is expected
    assert err.offset == len(uri)


def test_missing_argument_without_query() -> None:
    err = uri_error("t/uri/two")
    assert err.argument == "lr"


@pytest.mark.parametrize(
    ("uri", "argument", "expected"),
    [
        ("t/uri/types?i=3.5", "i", "expected an integer, got '3.5'"),
        ("t/uri/types?i=", "i", "expected an integer, got ''"),
        ("t/uri/types?f=fast", "f", "expected a number, got 'fast'"),
        ("t/uri/types?b=maybe", "b", "expected a boolean"),
        ("t/uri/types?o=x", "o", "expected int | None"),
        ("t/uri/types?e=swish", "e", "expected one of RELU, LEAKY_RELU, GELU, TANH, got 'swish'"),
        ("t/uri/types?lv=3", "lv", "expected one of LOW, HIGH"),
        ("t/uri/types?lit=c", "lit", "expected one of 'a', 'b', 3, got 'c'"),
        ("t/uri/types?li=1,x", "li", "expected an integer, got 'x'"),
        ("t/uri/types?tu=3", "tu", "expected 2 comma-separated values, got 1"),
        ("t/uri/types?tu=1,2,3", "tu", "expected 2 comma-separated values, got 3"),
        ("t/uri/types?fn=abc", "fn", "abc"),
    ],
)
def test_value_that_does_not_convert(uri: str, argument: str, expected: str) -> None:
    err = uri_error(uri)
    assert err.argument == argument
    assert f"argument {argument!r} of rule 't/uri/types'" in str(err)
    assert expected in str(err)
    value = uri.split("=", 1)[1]
    assert err.offset == uri.index("=") + 1
    assert uri[err.offset : err.offset + len(value)] == value


@pytest.mark.parametrize(
    ("uri", "argument", "bad"),
    [
        ("t/uri/types?r=11", "r", "11"),
        ("t/uri/types?r=-1", "r", "-1"),
        ("t/uri/two?lr=1.5", "lr", "1.5"),
        ("t/uri/two?2.0", "lr", "2.0"),
        ("t/uri/types?lr=1,9", "lr", "1,9"),
    ],
)
def test_value_out_of_range(uri: str, argument: str, bad: str) -> None:
    err = uri_error(uri)
    assert err.argument == argument
    assert "out of range" in str(err)
    assert f"argument {argument!r} of rule" in str(err)
    assert err.offset == uri.rindex(bad)


def test_positional_after_keyword() -> None:
    uri = "t/uri/two?lr=0.1&5"
    err = uri_error(uri)
    assert "positional argument '5' follows a keyword argument" in str(err)
    assert err.offset == uri.rindex("5")


def test_too_many_positional_arguments() -> None:
    uri = "t/uri/two?0.1&5&6"
    err = uri_error(uri)
    assert "rule 't/uri/two' takes 2 positional arguments (lr, steps), got 3" in str(err)
    assert err.offset == uri.rindex("6")
    err = uri_error("t/uri/none?1")
    assert "takes 0 positional arguments" in str(err)


def test_argument_given_twice() -> None:
    uri = "t/uri/two?lr=0.1&lr=0.2"
    err = uri_error(uri)
    assert err.argument == "lr"
    assert "argument 'lr' of rule 't/uri/two' is given twice" in str(err)
    assert err.offset == uri.rindex("lr=")
    uri = "t/uri/two?0.1&lr=0.2"  # once positionally, once by name
    err = uri_error(uri)
    assert err.argument == "lr"
    assert "given twice" in str(err)
    assert err.offset == uri.index("lr=")


@pytest.mark.parametrize(
    ("uri", "offset"),
    [
        ("9lives", 0),
        ("", 0),
        ("a//b", 0),
        ("/abs", 0),
        ("has space", 0),
        ("name/", 0),
        ("t/uri/two?9k=1", len("t/uri/two?")),
        ("t/uri/two?k-1=1", len("t/uri/two?")),
        ("t/uri/two?=1", len("t/uri/two?")),
    ],
)
def test_malformed_names(uri: str, offset: int) -> None:
    with pytest.raises(gl.URIError) as info:
        gl.parse_uri(uri)
    assert info.value.offset == offset
    assert not isinstance(info.value, gl.UnknownRuleError)


@pytest.mark.parametrize("uri", ["t/uri/two?0.1&&3", "t/uri/two?0.1&", "t/uri/two?&0.1"])
def test_empty_arguments(uri: str) -> None:
    err = uri_error(uri)
    assert "empty argument" in str(err)
    assert err.offset is not None and 0 < err.offset <= len(uri)


def test_bad_percent_encoding() -> None:
    uri = "t/uri/types?s=%FF"
    err = uri_error(uri)
    assert "percent-encoding" in str(err)
    assert err.argument == "s"
    assert err.offset == uri.index("s=")


def test_non_string_uri() -> None:
    with pytest.raises(gl.URIError, match="must be a string"):
        gl.parse_uri(42)  # type: ignore[arg-type]


def test_errors_are_patch_errors_with_position_in_a_chain() -> None:
    exp = pc.small_cnn()
    with pytest.raises(gl.URIError) as info:
        gl.patch(exp, ["t/shared/change_lr?0.01", "t/uri/two?lr=x"])
    assert info.value.position == 1
    assert info.value.argument == "lr"
    assert str(info.value).startswith("chain[1] 't/uri/two?lr=x': ")

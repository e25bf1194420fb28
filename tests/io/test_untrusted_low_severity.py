"""Issue #16, items 5 and 6: the low-severity holes and the semantics a PyGlove user trips
over, each with the behaviour we decided on."""

from __future__ import annotations

import enum
import json
import warnings
from typing import Any

import pytest

import graftlab as gl
from graftlab.io import limits
from graftlab.io.json_format import MAX_JSON_DEPTH
from graftlab.patching.registry import RuleRedefinedWarning


class Act(enum.Enum):
    A = "a"
    B = "b"


@gl.symbolize
class Holder:
    def __init__(self, act: Act = Act.A, items: list[int] = [], x: int = 1) -> None:  # noqa: B006
        self.act = act
        self.x = x
        items.append(0)  # an __init__ that edits its own list argument


COPIES = {"n": 0}


@gl.symbolize
class FailsOnCopy:
    def __init__(self, x: int = 1) -> None:
        COPIES["n"] += 1
        if COPIES["n"] > 1:
            raise ZeroDivisionError("division by zero")


@gl.symbolize
class Boom:
    def __init__(self, x: int = 1) -> None:
        self.r = 1 / x


ALLOWED = [__name__]


def test_a_lone_surrogate_in_a_uri_is_a_uri_error() -> None:
    with pytest.raises(gl.URIError) as info:
        gl.rule_from_uri("t/s?name=\ud800")
    assert "surrogate" in info.value.message and info.value.offset == 9
    with pytest.raises(gl.URIError):
        gl.parse_uri("t/\udc00")


def test_deeply_nested_json_is_a_format_error() -> None:
    deep: Any = 1
    for _ in range(MAX_JSON_DEPTH + 5):
        deep = [deep]
    with pytest.raises(gl.JSONFormatError, match="nests deeper than"):
        gl.from_json(deep)
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(gl.JSONFormatError, match="nests too deeply"):
        gl.from_json_str(text)
    ok: Any = 1
    for _ in range(MAX_JSON_DEPTH - 5):
        ok = [ok]
    assert gl.from_json(json.loads(json.dumps(ok))) == ok


def test_json_with_a_huge_integer_is_a_format_error() -> None:
    # found by the fuzzer: json.loads raises a plain ValueError past 4,300 digits
    with pytest.raises(gl.JSONFormatError, match="4300 digits"):
        gl.from_json_str("[" + "9" * 5000 + "]")


def test_an_enum_given_a_list_is_a_validation_error() -> None:
    with pytest.raises(gl.ValidationError, match="expected one of"):
        Holder(act=[])
    text = f"from {__name__} import Holder\nexperiment = Holder(act=[])\n"
    with pytest.raises(gl.FormatError, match="expected one of") as info:
        gl.loads(text, allowed_modules=ALLOWED)
    assert (info.value.line, info.value.column) == (2, 24)


def test_errors_of_a_class_init_are_wrapped_with_their_position() -> None:
    text = f"from {__name__} import Boom\nexperiment = Boom(x=0)\n"
    with pytest.raises(gl.FormatError) as info:
        gl.loads(text, allowed_modules=ALLOWED)
    assert "Boom(...) raised ZeroDivisionError" in info.value.message
    assert info.value.line == 2 and str(info.value.path) == "experiment"
    # also when the error comes from the copy a name's use makes
    COPIES["n"] = 0
    text = f"from {__name__} import FailsOnCopy\na = FailsOnCopy()\nexperiment = [a]\n"
    with pytest.raises(gl.FormatError) as info:
        gl.loads(text, allowed_modules=ALLOWED)
    assert "copying 'a' raised ZeroDivisionError" in info.value.message
    assert (info.value.line, info.value.column) == (3, 14)


def test_dumps_refuses_what_loads_would_reject() -> None:
    ok: Any = 1
    for _ in range(limits.MAX_DEPTH - 1):
        ok = [ok]
    assert gl.loads(gl.dumps(ok)) == ok  # the deepest value a file can hold round-trips
    with pytest.raises(gl.WriteError, match="nests deeper than 100 levels"):
        gl.dumps([ok])
    # a value loaded through names is within the limit, so it writes and loads back
    deep = "[" * 60 + "1" + "]" * 60
    loaded = gl.loads(f"a = {deep}\nexperiment = {'[' * 39}a{']' * 39}\n")
    assert gl.loads(gl.dumps(loaded)) == loaded


def test_redefining_a_rule_warns_when_its_code_differs() -> None:
    name = "t/low/redefined"
    ns: dict[str, Any] = {"gl": gl, "__name__": "team_rules_low"}
    src = f"@gl.patcher({name!r})\ndef r(target, n: int = 1):\n    return {{'x': N}}\n"
    exec(compile(src.replace("N", "1"), "team_rules_low.py", "exec"), ns)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(src.replace("N", "1"), "team_rules_low.py", "exec"), ns)
    with pytest.warns(RuleRedefinedWarning, match="redefined with different code"):
        exec(compile(src.replace("N", "2"), "team_rules_low.py", "exec"), ns)
    gl.unregister_rule(name)


def test_clone_copies_children_whatever_deep_says() -> None:
    b = Boom(x=2)
    outer = gl.SymList([b])
    for deep in (True, False):
        c = gl.clone(outer, deep=deep)
        assert c[0] is not b and gl.eq(c[0], b)
        gl.rebind(c, {"[0].x": 7})
        assert b.sym_init_args.x == 2  # the original's child is not edited through the copy


def test_query_with_a_regex_says_the_path_is_a_glob() -> None:
    tree = gl.SymList([Holder(), Holder()])
    with pytest.raises(TypeError, match="a glob"):
        gl.query(tree, r"\[\d+\]\.x")
    with pytest.raises(ValueError, match="it is a glob"):
        gl.query(tree, path=r"\[\d+\]\.x")
    assert list(map(str, gl.query(tree, path="[*].x"))) == ["[0].x", "[1].x"]


def test_an_init_appending_to_its_own_list_argument_terminates_on_edit() -> None:
    h = Holder(items=[5])
    assert list(h.sym_init_args["items"]) == [5, 0]
    gl.rebind(h, {"x": 2})  # re-runs __init__, which appends once more: no recursion
    assert h.x == 2 and list(h.sym_init_args["items"])[:2] == [5, 0]
    text = f"from {__name__} import Holder\nexperiment = Holder(items=[1])\n"
    assert list(gl.loads(text, allowed_modules=ALLOWED).sym_init_args["items"]) == [1, 0]

"""JSON: round trips of every kind of value, and safe loading."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import pytest
from hypothesis import given, settings

import graftlab as gl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "symbolic"))
from strategies import Color, Leaf, Mode, Pair, Root, Typed, make_opt, trees


@gl.symbolize
class Bounded:
    def __init__(self, n: Annotated[int, gl.Range(0, 10)] = 0, items: list[int] = ()) -> None:
        self.n = n


def round_trip(value: Any) -> Any:
    text = gl.to_json_str(value)
    json.loads(text)  # strict JSON: no NaN/Infinity tokens
    back = gl.from_json_str(text)
    assert gl.eq(back, value), (value, back)
    assert gl.to_json_str(back) == text
    return back


@pytest.mark.parametrize(
    "value",
    [
        0,
        -(2**80),
        1.5,
        float("nan"),
        float("inf"),
        float("-inf"),
        -0.0,
        "",
        'ünïcode 🙂 "quoted" \\ \n',
        True,
        None,
        [1, [2, [3]]],
        {"a": {"b": [1]}},
        (1, (2, "x")),
        (),
        Color.GREEN,
        Mode.EVAL,
        {"__type__": 1, "__tuple__": [1], "__dict__": {"x": 1}},
        {"__float__": "nan"},
        Leaf,
        Leaf(1, Color.BLUE),
        Pair(Leaf([1, {"k": (Color.RED,)}]), Pair()),
        Typed(count=3, rate=float("nan"), children=[Leaf()], table={"t": (1, 2)}),
        make_opt(lr=0.5),
        make_opt(momentum=0.1),
        Root(body={"x": [Leaf(), Leaf()]}, extra=[1, "a", None]),
    ],
)
def test_round_trip_examples(value: Any) -> None:
    back = round_trip(value)
    if isinstance(value, float) and math.isnan(value):
        assert math.isnan(back)
    if isinstance(value, float) and value == 0:
        assert math.copysign(1, back) == math.copysign(1, value)
    if isinstance(value, tuple):
        assert type(back) is tuple
    if gl.is_symbolic(value) and not isinstance(value, (list, dict)):
        assert type(back) is type(value)


def test_json_shape() -> None:
    data = gl.to_json(Pair(Leaf(1), (float("inf"), Color.RED)))
    assert data == {
        "__type__": gl.type_name(Pair),
        "left": {
            "__type__": gl.type_name(Leaf),
            "value": 1,
            "color": {"__enum__": gl.type_name(Color), "name": "RED"},
        },
        "right": {
            "__tuple__": [{"__float__": "inf"}, {"__enum__": gl.type_name(Color), "name": "RED"}]
        },
    }
    assert gl.to_json_str({"a": 1}, indent=2) == '{\n  "a": 1\n}'


def test_loaded_trees_are_linked() -> None:
    back = gl.from_json(gl.to_json(Root(body=[Leaf(), {"k": Leaf()}])))
    assert back.body[1]["k"].sym_path == gl.KeyPath.parse("body[1].k")
    assert isinstance(back.body, gl.SymList)


def test_unwritable_value_names_its_path() -> None:
    with pytest.raises(gl.JSONFormatError) as info:
        gl.to_json(Root(body=[1, {"x": object()}]))
    assert info.value.path == gl.KeyPath.parse("body[1].x")
    assert "cannot write a object as JSON" in str(info.value)
    with pytest.raises(gl.JSONFormatError):
        gl.to_json(b"bytes")


@settings(max_examples=150, deadline=None)
@given(trees)
def test_round_trip_generated_trees(tree: Any) -> None:
    round_trip(tree)


# ------------------------------------------------------------------ safety

SIDE_EFFECT_MODULE = "graftlab_json_canary_mod"


@pytest.fixture
def canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A module on sys.path whose import would create a marker file."""
    marker = tmp_path / "imported.txt"
    (tmp_path / f"{SIDE_EFFECT_MODULE}.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\n"
        "class Evil:\n"
        "    def __init__(self, *a, **k):\n"
        f"        open({str(marker)!r}, 'a').write('constructed')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop(SIDE_EFFECT_MODULE, None)
    return marker


def test_unregistered_type_is_an_error_and_nothing_is_imported(canary: Path) -> None:
    text = json.dumps(
        {
            "__type__": gl.type_name(Root),
            "body": {"deep": [{"__type__": f"{SIDE_EFFECT_MODULE}.Evil"}]},
        }
    )
    with pytest.raises(gl.JSONFormatError) as info:
        gl.from_json_str(text)
    assert info.value.path == gl.KeyPath.parse("body.deep[0]")
    assert f"{SIDE_EFFECT_MODULE}.Evil" in str(info.value)
    assert "unknown symbolic type" in str(info.value)
    for marker in (
        {"__enum__": f"{SIDE_EFFECT_MODULE}.E", "name": "X"},
        {"__class__": f"{SIDE_EFFECT_MODULE}.Evil"},
    ):
        with pytest.raises(gl.JSONFormatError, match=SIDE_EFFECT_MODULE):
            gl.from_json(marker)
    assert not canary.exists()
    assert SIDE_EFFECT_MODULE not in sys.modules


def test_dangerous_builtin_names_are_rejected() -> None:
    for name in ("os.system", "subprocess.getoutput", "builtins.eval", "pickle.loads"):
        with pytest.raises(gl.JSONFormatError, match="unknown symbolic type"):
            gl.from_json({"__type__": name, "command": "echo hi"})


def test_registered_non_symbolic_name_is_not_constructed() -> None:
    # Enums are registered (to be loadable as values) but are not symbolic classes.
    with pytest.raises(gl.JSONFormatError, match="is not a symbolic class") as info:
        gl.from_json({"x": {"__type__": gl.type_name(Color)}})
    assert info.value.path == gl.KeyPath(["x"])


def test_allowed_modules() -> None:
    data = gl.to_json(Root(body=Leaf()))
    module = Root.__module__
    assert gl.eq(gl.from_json(data, allowed_modules=[module]), Root(body=Leaf()))
    assert gl.eq(gl.from_json(data, allowed_modules=[module.split(".")[0]]), Root(body=Leaf()))
    with pytest.raises(gl.JSONFormatError) as info:
        gl.from_json(data, allowed_modules=["somewhere_else"])
    assert "not allowed" in str(info.value) and module in str(info.value)
    assert info.value.path == gl.KeyPath()
    nested = {"a": [gl.to_json(Leaf())]}
    with pytest.raises(gl.JSONFormatError) as info:
        gl.from_json(nested, allowed_modules=[module + "x"])
    assert info.value.path == gl.KeyPath.parse("a[0]")
    # enums are checked too
    with pytest.raises(gl.JSONFormatError, match="not allowed"):
        gl.from_json(gl.to_json(Color.RED), allowed_modules=["elsewhere"])
    assert gl.from_json([1, {"a": 2}], allowed_modules=[]) == [1, {"a": 2}]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2", "malformed JSON at line 1, column 6"),
        ('{"a": }', "malformed JSON at line 1, column 7"),
        ("", "malformed JSON at line 1, column 1"),
        ('{"a": 1}\n{"b": 2}', "malformed JSON at line 2, column 1: Extra data"),
        (b"\xff\xfe\x00", "not JSON text"),
    ],
)
def test_malformed_json(text: str | bytes, message: str) -> None:
    with pytest.raises(gl.JSONFormatError) as info:
        gl.from_json_str(text)
    assert message in str(info.value)
    assert info.value.path == gl.KeyPath()
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("data", "path", "error", "message"),
    [
        (
            {"x": [{"__tuple__": 3}]},
            "x[0]",
            gl.JSONFormatError,
            'a tuple is written {"__tuple__": [...]}',
        ),
        ({"__tuple__": [1], "extra": 2}, "", gl.JSONFormatError, "a tuple is written"),
        (
            {"e": {"__enum__": gl.type_name(Color), "name": "PURPLE"}},
            "e",
            gl.JSONFormatError,
            "has no member 'PURPLE'",
        ),
        ({"f": {"__float__": "1e999"}}, "f", gl.JSONFormatError, "bad special float '1e999'"),
        ({"t": {"__type__": 3}}, "t", gl.JSONFormatError, "a type name must be a string, got int"),
        ({"d": {"__dict__": [1]}}, "d", gl.JSONFormatError, "'__dict__' must hold an object"),
        (
            {"c": {"__enum__": gl.type_name(Leaf), "name": "X"}},
            "c",
            gl.JSONFormatError,
            "has no member 'X'",
        ),
    ],
)
def test_bad_markers(data: Any, path: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as info:
        gl.from_json(data)
    assert info.value.path == gl.KeyPath.parse(path)
    assert message in str(info.value)


def test_wrong_types_and_out_of_range_values_name_their_path() -> None:
    leaf = gl.type_name(Leaf)
    bounded = gl.type_name(Bounded)
    root = gl.type_name(Root)
    doc = {"__type__": root, "body": [{"__type__": bounded, "n": "three"}]}
    with pytest.raises(gl.ValidationError) as info:
        gl.from_json(doc)
    assert info.value.path == gl.KeyPath.parse("body[0].n")
    assert "expected int, got str 'three'" in str(info.value)
    doc = {"__type__": root, "body": {"k": {"__type__": bounded, "n": 11}}}
    with pytest.raises(gl.RangeError) as info:
        gl.from_json(doc)
    assert info.value.path == gl.KeyPath.parse("body.k.n")
    assert "11 is out of range: expected >= 0 and <= 10" in str(info.value)
    doc = {"__type__": bounded, "items": [1, 2, "x"]}
    with pytest.raises(gl.ValidationError) as info:
        gl.from_json(doc)
    assert info.value.path == gl.KeyPath.parse("items[2]")
    with pytest.raises(gl.UnknownArgumentError) as info:
        gl.from_json({"__type__": leaf, "valeu": 1})
    assert info.value.path == gl.KeyPath(["valeu"])
    assert "did you mean 'value'" in str(info.value)
    with pytest.raises(gl.MissingArgumentError) as info:
        gl.from_json({"p": {"__type__": gl.type_name(Needs)}})
    assert info.value.path == gl.KeyPath.parse("p.x")


@gl.symbolize
class Needs:
    def __init__(self, x: int) -> None:
        self.x = x


def test_non_json_python_values_are_rejected() -> None:
    with pytest.raises(gl.JSONFormatError, match="unexpected JSON value of type tuple"):
        gl.from_json({"a": (1, 2)})
    with pytest.raises(gl.JSONFormatError, match="not JSON text"):
        gl.from_json_str(3)  # type: ignore[arg-type]

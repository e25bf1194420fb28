"""Structural diff: entries and paths, text and JSON renderings, and ``apply``."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Leaf, Pair, Root, edit_tree, trees

import graftlab as gl


@gl.symbolize
class Conv:
    def __init__(self, features: int, act: str = "relu") -> None:
        self.features = features


@gl.symbolize
class Dense:
    def __init__(self, features: int) -> None:
        self.features = features


@gl.symbolize
class Net:
    def __init__(
        self, layers: list[Any], opts: dict[str, Any] | None = None, rate: float = 0.1
    ) -> None:
        self.layers = layers


def kinds(d: gl.Diff) -> list[tuple[str, str]]:
    return [(e.kind, str(e.path)) for e in d]


def test_equal_trees_have_no_diff() -> None:
    a = Net([Conv(1)], opts={"x": 1})
    d = gl.diff(a, gl.clone(a))
    assert not d and len(d) == 0 and d.to_text() == "" and d.to_json() == []


def test_changed_added_removed_type_changed_with_paths() -> None:
    a = Net([Conv(1), Conv(2)], opts={"lr": 0.1, "old": 1}, rate=0.1)
    b = Net([Conv(1, act="gelu"), Dense(2)], opts={"lr": 0.2, "new": [1]}, rate=1)
    d = gl.diff(a, b)
    assert kinds(d) == [
        ("changed", "layers[0].act"),
        ("type_changed", "layers[1]"),
        ("changed", "opts.lr"),
        ("removed", "opts.old"),
        ("added", "opts.new"),
        ("changed", "rate"),
    ]
    changed = d.by_kind("changed")[0]
    assert (changed.old, changed.new) == ("relu", "gelu")
    assert changed.left_path == changed.right_path == gl.KeyPath.parse("layers[0].act")
    removed = d.by_kind("removed")[0]
    assert removed.left_path == gl.KeyPath.parse("opts.old") and removed.right_path is None
    added = d.by_kind("added")[0]
    assert added.left_path is None and gl.eq(added.new, [1])


def test_int_float_is_a_change_but_other_type_switches_are_type_changes() -> None:
    a = Net([1, "x", None, [1]])
    b = Net([1.5, 3, 0, {"a": 1}])
    assert kinds(gl.diff(a, b)) == [
        ("changed", "layers[0]"),
        ("type_changed", "layers[1]"),
        ("type_changed", "layers[2]"),
        ("type_changed", "layers[3]"),
    ]


def test_inserted_list_item_is_one_addition() -> None:
    layers = [Conv(i) for i in range(10)]
    a = Net(layers)
    b = gl.clone(a)
    b.rebind({"layers[4]": gl.Insert(Dense(99))})
    d = gl.diff(a, b)
    assert kinds(d) == [("added", "layers[4]")]
    assert d.entries[0].new.features == 99
    # edits of a batch apply in order: after removing [0], [1] is Conv(2)
    b.rebind({"layers[0]": gl.MISSING, "layers[1]": gl.MISSING})
    assert [type(x).__name__[0] + str(x.features) for x in b.layers[:3]] == ["C1", "C3", "D99"]
    d = gl.diff(a, b)
    assert kinds(d) == [("removed", "layers[0]"), ("removed", "layers[2]"), ("added", "layers[2]")]
    assert d.entries[0].left_path == gl.KeyPath.parse("layers[0]")
    assert d.entries[2].right_path == gl.KeyPath.parse("layers[2]")
    assert d.entries[2].left_path is None


def test_equal_length_lists_are_aligned_too() -> None:
    a = Net([Conv(0), Conv(1), Conv(2)])
    b = Net([Conv(1), Conv(2), Conv(3)])
    # the minimal edit: one removal and one addition, not three changes
    assert kinds(gl.diff(a, b)) == [("removed", "layers[0]"), ("added", "layers[2]")]
    # items changed in place still compare item by item
    c = Net([Conv(10), Conv(11), Conv(12)])
    assert kinds(gl.diff(a, c)) == [
        ("changed", "layers[0].features"),
        ("changed", "layers[1].features"),
        ("changed", "layers[2].features"),
    ]


@gl.symbolize
class Block:
    def __init__(self, features: int = 64, act: str = "relu", dropout: float = 0.1) -> None:
        self.features = features


@gl.symbolize
class MaxPool:
    def __init__(self, window: int = 2) -> None:
        self.window = window


def test_a_stack_of_identical_blocks_with_one_change_and_one_insertion() -> None:
    a = Net([Block() for _ in range(40)])
    b = gl.clone(a)
    b.rebind({"layers[17].act": "gelu", "layers[30]": gl.Insert(MaxPool())})
    d = gl.diff(a, b)
    assert kinds(d) == [("changed", "layers[17].act"), ("added", "layers[30]")]
    assert gl.eq(d.apply(a), b)
    # the JSON diff of review aligns the same way
    from graftlab.repo.semantic import json_diff

    jd = json_diff(gl.to_json(a), gl.to_json(b))
    assert kinds(jd) == [("changed", "layers[17].act"), ("added", "layers[30]")]


def test_two_thousand_blocks_give_the_few_entries_the_edit_made() -> None:
    a = Net([Block(features=64 + i % 3) for i in range(2000)])
    b = gl.clone(a)
    b.rebind({"layers[500].dropout": 0.2})
    b.rebind({"layers[1500]": gl.Insert(MaxPool())})
    b.rebind({"layers[10]": gl.MISSING})
    d = gl.diff(a, b)
    assert kinds(d) == [
        ("removed", "layers[10]"),
        ("changed", "layers[499].dropout"),
        ("added", "layers[1499]"),
    ]


def _blocks() -> st.SearchStrategy[Any]:
    return st.sampled_from(
        [Block(), Block(), Block(features=32), Block(act="gelu"), MaxPool(), Dense(8)]
    )


@st.composite
def _edit_scripts(draw: Any) -> tuple[list[Any], list[tuple[str, int, Any]]]:
    n = draw(st.integers(min_value=0, max_value=30))
    base = [gl.clone(draw(_blocks())) for _ in range(n)]
    k = draw(st.integers(min_value=1, max_value=6))
    ops = []
    length = n
    for _ in range(k):
        choices = ["insert"] + (["delete", "change"] if length else [])
        op = draw(st.sampled_from(choices))
        if op == "insert":
            ops.append((op, draw(st.integers(0, length)), gl.clone(draw(_blocks()))))
            length += 1
        elif op == "delete":
            ops.append((op, draw(st.integers(0, length - 1)), None))
            length -= 1
        else:
            ops.append((op, draw(st.integers(0, length - 1)), draw(st.integers(1, 999))))
    return base, ops


@settings(max_examples=300, deadline=None)
@given(_edit_scripts())
def test_k_edits_on_repeated_blocks_give_at_most_k_entries_and_apply_back(
    script: tuple[list[Any], list[tuple[str, int, Any]]],
) -> None:
    base, ops = script
    a = Net(base)
    b = gl.clone(a)
    for op, i, arg in ops:
        if op == "insert":
            b.rebind({f"layers[{i}]": gl.Insert(arg)})
        elif op == "delete":
            b.rebind({f"layers[{i}]": gl.MISSING})
        else:  # change one value of the item
            field = "features" if hasattr(b.layers[i], "features") else "window"
            b.rebind({f"layers[{i}].{field}": arg})
    d = gl.diff(a, b)
    assert len(d) <= len(ops), d.to_text()
    assert gl.eq(d.apply(a), b)
    from graftlab.repo.semantic import json_diff

    assert len(json_diff(gl.to_json(a), gl.to_json(b))) <= len(ops)


def test_paths_in_left_and_right_trees_differ_after_insertion() -> None:
    a = Net([Conv(0), Conv(1), Conv(2)])
    b = Net([Dense(7), Conv(0), Conv(1), Conv(22)])
    d = gl.diff(a, b)
    change = d.by_kind("changed")[0]
    assert change.left_path == gl.KeyPath.parse("layers[2].features")
    assert change.right_path == gl.KeyPath.parse("layers[3].features")
    assert change.to_json()["left_path"] == "layers[2].features"
    assert change.to_json()["path"] == "layers[3].features"


def test_text_rendering() -> None:
    a = Net([Conv(1)], opts={"old": 1})
    b = Net([Conv(2), Dense(3)], opts={"new": "x"}, rate=float("nan"))
    text = gl.diff(a, b).to_text()
    assert text.splitlines() == [
        "~ layers[0].features: 1 -> 2",
        "+ layers[1]: Dense(features=3)",
        "- opts.old: 1",
        "+ opts.new: 'x'",
        "~ rate: 0.1 -> nan",
    ]
    assert str(gl.diff(a, b)) == text
    assert gl.diff(Net([1]), Net(["1"])).to_text() == "± layers[0]: 1 -> '1'"


def test_json_rendering_is_valid_json() -> None:
    a = Net([Conv(1)], opts={"old": 1})
    b = Net([Conv(2), Dense(3)], opts={}, rate=float("inf"))
    d = gl.diff(a, b)
    data = json.loads(d.to_json_str())
    assert data == [
        {"kind": "changed", "path": "layers[0].features", "old": 1, "new": 2},
        {"kind": "added", "path": "layers[1]", "new": "Dense(features=3)"},
        {"kind": "removed", "path": "opts.old", "old": 1},
        {"kind": "changed", "path": "rate", "old": 0.1, "new": "inf"},
    ]
    assert json.loads(d.to_json_str(indent=None)) == d.to_json()


def test_apply_and_inplace() -> None:
    a = Net([Conv(i) for i in range(5)], opts={"a": 1, "b": {"c": 2}})
    b = Net([Conv(0), Dense(1), Conv(3), Conv(4), Conv(5, "gelu")], opts={"b": {"c": 3}, "z": 0})
    d = gl.diff(a, b)
    out = d.apply(a)
    assert gl.eq(out, b) and out is not a
    assert not gl.eq(a, b)
    same = d.apply(a, inplace=True)
    assert same is a and gl.eq(a, b)
    for path, v in gl.walk(a):
        if gl.is_symbolic(v):
            assert gl.path_of(v) == path


def test_diff_of_different_root_types() -> None:
    d = gl.diff(Conv(1), Dense(1))
    assert kinds(d) == [("type_changed", "")]


@settings(max_examples=150, deadline=None)
@given(trees, st.data(), st.integers(min_value=0, max_value=6))
def test_diff_apply_reproduces_the_edited_tree(a: Any, data: Any, n_edits: int) -> None:
    b = gl.clone(a)
    edit_tree(data, b, n_edits)
    d = gl.diff(a, b)
    assert bool(d) == (not gl.eq(a, b))
    result = d.apply(a)
    assert gl.eq(result, b)
    assert gl.diff(result, b).entries == []
    json.loads(d.to_json_str())
    text = d.to_text()
    for e in d:
        assert f"{e.path!s}: " in text


def test_pair_and_leaf_helpers_are_symbolic() -> None:
    assert gl.is_symbolic(Root(Pair(Leaf(1))))

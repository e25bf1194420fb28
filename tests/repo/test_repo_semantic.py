"""Semantic diffs of experiments in graftlab JSON (from any revision or run record)."""

from __future__ import annotations

from typing import Any

import graftlab as gl
from graftlab.repo.semantic import entry_json, json_diff, provenance_for, render

T = "__type__"


def conv(features: int, kernel: int = 3) -> dict[str, Any]:
    return {T: "team.Conv", "features": features, "kernel_size": kernel}


def net(*layers: dict[str, Any], lr: float = 0.1) -> dict[str, Any]:
    return {T: "team.Net", "layers": list(layers), "optimizer": {T: "team.Adam", "lr": lr}}


def changes(a: Any, b: Any) -> list[tuple[str, str]]:
    return [(e.kind, str(e.path)) for e in json_diff(a, b).entries]


def test_render_reads_like_python() -> None:
    assert render(conv(32)) == "Conv(features=32, kernel_size=3)"
    assert render({"__tuple__": [3]}) == "(3,)"
    assert render({"__tuple__": [3, 3]}) == "(3, 3)"
    assert render({"__float__": "inf"}) == 'float("inf")'
    assert render({"__enum__": "team.Act", "name": "RELU"}) == "Act.RELU"
    assert render({"a": [1, "x", None, True]}) == '{"a": [1, "x", None, True]}'
    long = render({"xs": list(range(200))}, limit=40)
    assert len(long) == 40 and long.endswith("...")


def test_equal_trees_have_no_diff() -> None:
    assert changes(net(conv(1), conv(2)), net(conv(1), conv(2))) == []


def test_changed_leaves_name_their_key_paths() -> None:
    a = net(conv(16), conv(32))
    b = net(conv(16), conv(64, kernel=5), lr=0.01)
    assert changes(a, b) == [
        ("changed", "layers[1].features"),
        ("changed", "layers[1].kernel_size"),
        ("changed", "optimizer.lr"),
    ]
    # int and float are the same kind of change; str vs int is a type change
    assert changes({"x": 1}, {"x": 1.5}) == [("changed", "x")]
    assert changes({"x": 1}, {"x": "1"}) == [("type_changed", "x")]


def test_a_different_class_is_a_type_change_not_a_field_diff() -> None:
    a = {T: "team.Net", "opt": {T: "team.Adam", "lr": 0.1}}
    b = {T: "team.Net", "opt": {T: "team.SGD", "lr": 0.1}}
    assert changes(a, b) == [("type_changed", "opt")]


def test_added_and_removed_arguments_and_items() -> None:
    a = {T: "team.Net", "depth": 2, "layers": [conv(1), conv(2), conv(3)]}
    b = {T: "team.Net", "width": 4, "layers": [conv(1), conv(3)]}
    assert changes(a, b) == [
        ("removed", "depth"),
        ("removed", "layers[1]"),
        ("added", "width"),
    ]
    inserted = changes({"xs": [conv(1), conv(3)]}, {"xs": [conv(1), conv(2), conv(3)]})
    assert inserted == [("added", "xs[1]")]


def test_lists_are_aligned_so_an_insertion_is_one_change() -> None:
    a = {"xs": [conv(i) for i in range(20)]}
    b = {"xs": [conv(i) for i in range(10)] + [conv(99)] + [conv(i) for i in range(10, 20)]}
    assert changes(a, b) == [("added", "xs[10]")]


def test_plain_dicts_are_compared_by_key() -> None:
    assert changes({"__dict__": {"a": 1, "b": 2}}, {"__dict__": {"a": 1, "b": 3}}) == [
        ("changed", "b")
    ]


def test_paths_match_gl_diff_on_the_objects() -> None:
    from graftlab.cli.demo_components import Conv

    a, b = [Conv(features=1), Conv(features=2)], [Conv(features=1), Conv(features=5)]
    ours = changes(gl.to_json(a), gl.to_json(b))
    theirs = [(e.kind, str(e.path)) for e in gl.diff(a, b).entries]
    assert ours == theirs == [("changed", "[1].features")]


def test_provenance_of_a_path_or_its_nearest_ancestor() -> None:
    prov = {"layers[1]": {"uri": "swap?x=1"}, "": {"uri": "root"}}
    assert provenance_for(prov, gl.KeyPath.parse("layers[1].features")) == {"uri": "swap?x=1"}
    assert provenance_for(prov, gl.KeyPath.parse("layers[0]")) == {"uri": "root"}
    assert provenance_for({"a": {"uri": "u"}}, gl.KeyPath.parse("b.c")) is None
    assert provenance_for(None, gl.KeyPath.parse("a")) is None


def test_entry_json_has_old_new_and_set_by() -> None:
    (entry,) = json_diff(net(conv(1)), net(conv(2))).entries
    prov = {"layers[0].features": {"uri": "widen?factor=2", "rule": "widen", "position": 0}}
    out = entry_json(entry, prov)
    assert out == {
        "kind": "changed",
        "path": "layers[0].features",
        "old": "1",
        "new": "2",
        "set_by": prov["layers[0].features"],
    }
    (removed,) = json_diff({"a": 1}, {}).entries
    assert entry_json(removed, prov) == {"kind": "removed", "path": "a", "old": "1"}

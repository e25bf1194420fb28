"""Provenance belongs to a value in one tree (issue #16, item 4): copies get their own
records, and a later edit replaces (another rule) or clears (by hand) the record."""

from __future__ import annotations

from typing import Any

import patch_classes as pc

import graftlab as gl


@gl.symbolize
class Net:
    def __init__(self, name: str = "n", width: int = 1) -> None:
        self.name = name
        self.width = width


@gl.patcher("t/own/rename")
def rename(target: Any, name: str) -> Any:
    return {"name": name}


@gl.patcher("t/own/new_head")
def new_head(target: Any) -> Any:
    last = len(target.model.layers) - 1
    return {f"model.layers[{last}]": pc.Dense(7, activation=pc.Act.TANH)}


def test_a_copy_gets_its_own_record() -> None:
    a = gl.patch(Net(), ["t/own/rename?name=first"])
    b = gl.patch(a, ["t/own/rename?name=second"])
    assert a.name == "first" and gl.provenance(a, "name").uri == "t/own/rename?name=first"
    assert b.name == "second" and gl.provenance(b, "name").uri == "t/own/rename?name=second"
    c = gl.clone(a)
    gl.patch(c, ["t/own/rename?name=third"], inplace=True)
    assert gl.provenance(a, "name").uri == "t/own/rename?name=first"
    assert gl.provenance(c, "name").uri == "t/own/rename?name=third"


def test_an_edit_by_hand_clears_the_record() -> None:
    a = gl.patch(Net(), ["t/own/rename?name=first"])
    gl.rebind(a, {"width": 3})  # another argument: the record stays
    assert gl.provenance(a, "name").uri == "t/own/rename?name=first"
    gl.rebind(a, {"name": "mine"})
    assert a.name == "mine" and gl.provenance(a, "name") is None
    assert gl.KeyPath.parse("name") not in gl.provenances(a)
    # a rule writing it again records again
    gl.patch(a, ["t/own/rename?name=again"], inplace=True)
    assert gl.provenance(a, "name").uri == "t/own/rename?name=again"


def test_an_edit_inside_a_written_subtree_clears_only_that_value() -> None:
    exp = gl.patch(pc.small_cnn(), ["t/own/new_head"])
    last = len(exp.model.layers) - 1
    head = f"model.layers[{last}]"
    assert gl.provenance(exp, f"{head}.features").rule == "t/own/new_head"
    gl.rebind(exp, {f"{head}.features": 9})
    assert gl.provenance(exp, f"{head}.features") is None
    # its sibling still comes from the rule that wrote the whole head
    assert gl.provenance(exp, f"{head}.activation").rule == "t/own/new_head"
    assert gl.provenance(exp, head).rule == "t/own/new_head"


def test_edits_by_hand_on_an_unpatched_tree_record_nothing() -> None:
    net = Net()
    gl.rebind(net, {"name": "x"})
    assert gl.provenance(net, "name") is None
    assert net.__dict__["_sym_"].meta is None  # no record is created where none was

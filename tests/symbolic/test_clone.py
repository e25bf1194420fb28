"""``clone``: deep and shallow copies that are roots of their own."""

from __future__ import annotations

import copy
from typing import Any

import graftlab as gl


@gl.symbolize
class Leaf:
    def __init__(self, v: int = 0) -> None:
        self.v = v
        self.inits = getattr(self, "inits", 0) + 1


@gl.symbolize
class Tree:
    def __init__(
        self, kids: list[Any] = (), table: dict[str, Any] | None = None, pair: tuple = ()
    ) -> None:
        self.kids = kids
        self.table = table


def sample() -> Tree:
    return Tree([Leaf(1), [Leaf(2)]], table={"a": Leaf(3)}, pair=(Leaf(4), 5))


def test_deep_clone_is_equal_independent_and_rooted() -> None:
    t = sample()
    t.kids[0].rebind(v=7)
    c = gl.clone(t)
    assert gl.eq(c, t) and c is not t
    assert gl.parent_of(c) is None
    originals = {id(v) for _, v in gl.walk(t) if gl.is_symbolic(v) or isinstance(v, tuple)}
    for path, v in gl.walk(c):
        if gl.is_symbolic(v) or isinstance(v, tuple):
            assert id(v) not in originals, path
    assert c.kids[0].v == 7 and c.kids[0].inits == 1  # __init__ ran for the copy
    c.kids[1][0].rebind(v=99)
    assert t.kids[1][0].v == 2
    assert gl.path_of(c.kids[1][0]) == gl.KeyPath.parse("kids[1][0]")


def test_clone_of_a_subtree_is_a_root() -> None:
    t = sample()
    sub = gl.clone(t.kids[1])
    assert isinstance(sub, gl.SymList) and gl.parent_of(sub) is None
    assert gl.path_of(sub[0]) == gl.KeyPath([0])
    leaf = t.table["a"].clone()
    assert leaf.sym_parent is None and leaf.sym_path == gl.KeyPath()
    assert t.table["a"].sym_parent is t.table


def test_shallow_clone_is_an_equal_root() -> None:
    t = sample()
    c = gl.clone(t, deep=False)
    assert gl.eq(c, t)
    assert c is not t


def test_clone_keeps_meta_and_leaves() -> None:
    t = sample()
    t.rebind({"kids[0].v": 5}, meta={"rule": "x"})
    c = gl.clone(t)
    assert c.kids[0].__dict__["_sym_"].meta == {"v": {"rule": "x"}}
    assert gl.clone(3) == 3 and gl.clone("s") == "s"
    marker = object()
    assert gl.clone(marker) is marker


def test_deepcopy_and_method() -> None:
    t = sample()
    assert gl.eq(copy.deepcopy(t.kids), t.kids)
    assert gl.eq(t.clone(), t) and gl.eq(t.sym_clone(), t)

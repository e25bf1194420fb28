"""Symbolic equality and hashing: consistent, reflexive (even with NaN)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import Color, Leaf, Pair, Typed, make_opt, trees, values

import graftlab as gl


def test_objects_compare_by_type_and_arguments() -> None:
    assert gl.eq(Leaf(1), Leaf(1))
    assert Leaf(1) == Leaf(1) and Leaf(1) != Leaf(2)
    assert not gl.eq(Leaf(1), Leaf(1, Color.BLUE))
    assert not gl.eq(Leaf(None), Pair())
    assert gl.ne(Leaf(1), Leaf(2))
    assert hash(Leaf(1)) == hash(Leaf(1)) == gl.hash(Leaf(1))
    assert len({Leaf(1), Leaf(1), Leaf(2)}) == 2


def test_scalars() -> None:
    nan = float("nan")
    assert gl.eq(nan, nan) and gl.eq(Leaf(nan), Leaf(nan))
    assert gl.sym_hash(Leaf(nan)) == gl.sym_hash(Leaf(float("nan")))
    assert gl.eq(1, 1.0) and gl.sym_hash(1) == gl.sym_hash(1.0)
    assert not gl.eq(True, 1) and not gl.eq(1, True)
    assert not gl.eq(0, False)
    assert gl.eq(0.0, -0.0) and gl.sym_hash(0.0) == gl.sym_hash(-0.0)
    assert not gl.eq(math.inf, -math.inf)
    assert not gl.eq("1", 1)


def test_containers() -> None:
    assert gl.eq(gl.SymList([1, Leaf(2)]), [1, Leaf(2)])
    assert gl.sym_hash(gl.SymList([1])) == gl.sym_hash([1])
    assert not gl.eq([1], (1,))
    assert not gl.eq([1, 2], [2, 1])
    assert gl.eq({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert gl.sym_hash({"a": 1, "b": 2}) == gl.sym_hash({"b": 2, "a": 1})
    assert not gl.eq({"a": 1}, {"a": 1, "b": 2})
    assert not gl.eq({"a": 1}, {"b": 1})
    assert gl.eq((1, Leaf(1)), (1, Leaf(1)))
    assert not gl.eq((1,), (1, 2))


def test_symbolic_object_never_equals_a_scalar() -> None:
    # Comparing a symbolic object with a scalar must not recurse through ``__eq__``.
    assert not gl.eq(Leaf(1), 1) and not gl.eq(1, Leaf(1))
    assert Leaf(1) != 1 and 1 != Leaf(1)  # noqa: SIM300 - both operand orders
    assert Leaf(1) != "Leaf(1)"
    assert not gl.eq(make_opt(1.0), 1.0)


def test_non_symbolic_values_fall_back_to_eq() -> None:
    class Weird:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no")

        __hash__ = object.__hash__

    w = Weird()
    assert gl.eq(w, w)
    assert not gl.eq(w, Weird())
    assert isinstance(gl.sym_hash([w]), int)


def test_typed_values_are_normalized_before_comparison() -> None:
    assert gl.eq(Typed(rate=1), Typed(rate=1.0))
    assert gl.eq(Typed(children=()), Typed(children=[]))
    assert gl.sym_hash(Typed(rate=1)) == gl.sym_hash(Typed(rate=1.0))


@settings(max_examples=150, deadline=None)
@given(trees)
def test_eq_is_reflexive_and_clone_is_equal_with_same_hash(tree: Any) -> None:
    assert gl.eq(tree, tree)
    c = gl.clone(tree)
    assert gl.eq(c, tree) and gl.eq(tree, c)
    assert gl.sym_hash(c) == gl.sym_hash(tree)


@settings(max_examples=150, deadline=None)
@given(values, values)
def test_eq_implies_equal_hash_and_is_symmetric(a: Any, b: Any) -> None:
    assert gl.eq(a, b) == gl.eq(b, a)
    if gl.eq(a, b):
        assert gl.sym_hash(a) == gl.sym_hash(b)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from([0, 0.0, -0.0, 1, 1.0, True, False, float("nan"), None, ""]), max_size=3
    )
)
def test_eq_hash_consistency_on_tricky_scalars(items: list[Any]) -> None:
    wrapped = [Leaf(x) for x in items]
    for a in [*items, *wrapped]:
        for b in [*items, *wrapped]:
            if gl.eq(a, b):
                assert gl.sym_hash(a) == gl.sym_hash(b)
            assert gl.eq(a, b) == gl.eq(b, a)

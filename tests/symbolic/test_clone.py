"""``clone``: deep and shallow copies that are roots of their own."""

from __future__ import annotations

import copy
from typing import Annotated, Any

import pytest

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


# ------------------------------------------- copying state instead of re-validating

_CHECKS: list[int] = []


def _counted_positive(v: int) -> bool:
    _CHECKS.append(v)
    return v > 0


@gl.symbolize
class Checked:
    def __init__(
        self, n: Annotated[int, gl.Predicate(_counted_positive, "positive")], tag: str = "t"
    ) -> None:
        self.double = n * 2
        self.inits = getattr(self, "inits", 0) + 1


def test_clone_runs_init_once_and_does_not_validate_again() -> None:
    _CHECKS.clear()
    obj = Tree([Checked(3), Checked(4, tag="x")])
    assert _CHECKS == [3, 4]
    copy_ = gl.clone(obj)
    assert _CHECKS == [3, 4]  # the stored values were valid: no second validation
    kids = copy_.sym_init_args.kids
    assert [k.double for k in kids] == [6, 8] and [k.inits for k in kids] == [1, 1]
    assert kids[1].sym_init_args.tag == "x" and kids[0] is not obj.sym_init_args.kids[0]
    assert gl.path_of(kids[1]) == gl.KeyPath(("kids", 1)) and gl.eq(copy_, obj)


class _CountingMeta(type):
    calls = 0

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        _CountingMeta.calls += 1
        return super().__call__(*args, **kwargs)


@gl.symbolize
class WithMeta(metaclass=_CountingMeta):
    def __init__(self, v: int = 1) -> None:
        self.v = v


@gl.symbolize
class WithNew:
    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__new__(cls)
        obj.made_by_new = True
        return obj

    def __init__(self, v: int = 1) -> None:
        self.v = v


def test_classes_with_their_own_metaclass_call_or_new_are_constructed() -> None:
    before = _CountingMeta.calls
    copy_ = gl.clone(Tree([WithMeta(2), WithNew(3)]))
    assert _CountingMeta.calls == before + 2  # the original and its copy went through it
    a, b = copy_.sym_init_args.kids
    assert type(a) is WithMeta and a.v == 2
    assert type(b) is WithNew and b.made_by_new and b.v == 3


@gl.symbolize(runtime=["rngs"])
class NeedsKey:
    def __init__(self, width: int, *, rngs: Any) -> None:
        self.params = [rngs] * width


def test_clone_keeps_runtime_arguments_and_unbuilt_specs() -> None:
    live = NeedsKey(2, rngs="k")
    copy_ = gl.clone(live)
    assert copy_.params == ["k", "k"] and copy_.__dict__["_sym_"].runtime == {"rngs": "k"}
    assert copy_.__dict__["_sym_"].runtime is not live.__dict__["_sym_"].runtime
    spec = gl.clone(NeedsKey(3))
    assert "params" not in spec.__dict__ and spec.sym_init_args == {"width": 3}
    assert gl.build(spec, rngs="r").params == ["r"] * 3


def test_a_copy_is_marked_built_like_a_constructed_object() -> None:
    """The copy's state says what the constructor's would: fingerprinted after ``__init__``,
    so editing the copy re-derives it, and state added later makes it live."""
    from graftlab.symbolic.frameworks import fingerprint

    obj = Checked(3)
    copy_ = gl.clone(obj)
    st = copy_.__dict__["_sym_"]
    assert (
        st.snap
        == fingerprint(copy_)
        == tuple((k, id(v), -1) for k, v in copy_.__dict__.items() if k != "_sym_")
    )
    copy_.rebind(n=5)
    assert copy_.double == 10 and copy_.inits == 2
    copy_.extra = "added after construction"
    with pytest.raises(gl.LiveObjectError):
        copy_.rebind(n=6)
    assert gl.clone(copy_).double == 10  # a copy is rebuilt from the arguments

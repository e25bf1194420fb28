"""Constructors that only store their arguments (``graftlab.symbolic.stores``, issue #20).

Such an ``__init__`` is not called again on an edit or a copy: its stores are done directly
and no fingerprint is kept. These tests pin that this is invisible: the object's state is
what running the ``__init__`` gives, derived state of other classes is still re-derived,
objects changed after construction are still live, failed edits change nothing, and
provenance stays with its value.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import graftlab as gl
from graftlab.symbolic import stores
from graftlab.symbolic.frameworks import fingerprint

# ------------------------------------------------------------------ classification


@gl.symbolize
class Plain:
    """Stores its arguments, one way or another."""

    def __init__(self, a: int, b: int = 2, *, c: str = "c") -> None:
        """Docstrings are fine."""
        self.a = a
        self.first, self.second = b, c
        self.typed: int = a
        self.x = self.y = b


@gl.symbolize
class Empty:
    def __init__(self, a: int = 1) -> None:
        pass


@gl.symbolize
@dataclasses.dataclass
class Record:
    width: int
    depth: int = 3


@gl.symbolize
class Derived:
    def __init__(self, n: int) -> None:
        self.n = n
        self.double = n * 2


@gl.symbolize
class Constant:
    def __init__(self, n: int) -> None:
        self.n = 1


@gl.symbolize
class CallsSuper(Plain):
    def __init__(self, a: int) -> None:
        super().__init__(a)


@gl.symbolize
class StoresKwargs:
    def __init__(self, a: int, **kwargs: Any) -> None:
        self.kwargs = kwargs


@gl.symbolize
class StoresSelf:
    def __init__(self, a: int) -> None:
        self.me = self


@gl.symbolize
class Branches:
    def __init__(self, a: int) -> None:
        if a:
            self.a = a


class _Property:
    @property
    def a(self) -> int:
        return self._a

    @a.setter
    def a(self, value: int) -> None:
        self._a = value * 10


@gl.symbolize
class ThroughProperty(_Property):
    def __init__(self, a: int) -> None:
        self.a = a


@gl.symbolize
class OwnSetattr:
    def __init__(self, a: int) -> None:
        self.a = a

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)


@gl.symbolize(rederive=False)
class NoRederive:
    def __init__(self, a: int) -> None:
        self.a = a


@gl.symbolize
class Unannotated:
    def __init__(self, items) -> None:  # type: ignore[no-untyped-def]
        self.items = items


@pytest.mark.parametrize(
    ("cls", "pairs"),
    [
        (
            Plain,
            (("a", "a"), ("first", "b"), ("second", "c"), ("typed", "a"), ("x", "b"), ("y", "b")),
        ),
        (Empty, ()),
        (Record, (("width", "width"), ("depth", "depth"))),
        (Unannotated, (("items", "items"),)),
    ],
)
def test_storing_inits_are_recognized(cls: type, pairs: tuple[tuple[str, str], ...]) -> None:
    found = stores.classify(cls.__sym_schema__)  # type: ignore[attr-defined]
    assert found is not None and found.pairs == pairs


@pytest.mark.parametrize(
    "cls",
    [
        Derived,
        Constant,
        CallsSuper,
        StoresKwargs,
        StoresSelf,
        Branches,
        ThroughProperty,
        OwnSetattr,
        NoRederive,
    ],
)
def test_anything_else_keeps_the_general_path(cls: type) -> None:
    assert stores.classify(cls.__sym_schema__) is None  # type: ignore[attr-defined]
    obj = cls(1)
    snap = obj.__dict__["_sym_"].snap
    assert snap is not stores.STORED


def _as_init_leaves_it(cls: type, obj: Any) -> dict[str, Any]:
    """The ``__dict__`` the original ``__init__`` makes of ``obj``'s arguments."""
    fresh = object.__new__(cls)
    fresh.__dict__["_sym_"] = obj.__dict__["_sym_"]
    cls.__sym_schema__.init(fresh, **obj.__dict__["_sym_"].args)  # type: ignore[attr-defined]
    return fresh.__dict__


def _same_state(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return list(a) == list(b) and all(a[k] is b[k] for k in a)


def test_a_storing_object_holds_what_its_init_would_store() -> None:
    p = Plain(5, c="z")
    assert p.__dict__["_sym_"].snap is stores.STORED  # no fingerprint kept
    assert _same_state(p.__dict__, _as_init_leaves_it(Plain, p))
    assert (p.a, p.first, p.second, p.typed, p.x, p.y) == (5, 2, "z", 5, 2, 2)
    r = Record(8)
    assert (r.width, r.depth) == (8, 3) and r == Record(8, 3)


# ------------------------------------------------------------------ edits and copies


@gl.symbolize
class Leaf:
    def __init__(self, features: int, kernel: int = 3) -> None:
        self.features = features
        self.kernel = kernel


@gl.symbolize
class Widest:
    def __init__(self, leaves: list[Leaf], scale: int = 1) -> None:
        self.widest = max(x.features for x in leaves) * scale
        self.runs = getattr(self, "runs", 0) + 1


@gl.symbolize
class Holder:
    def __init__(self, body: Widest, tag: str = "t") -> None:
        self.body = body
        self.tag = tag


def _tree() -> Holder:
    return Holder(Widest([Leaf(8), Leaf(16)]))


def test_rebind_updates_a_storing_object_and_rederives_the_others() -> None:
    h = _tree()
    leaf = h.body.sym_init_args.leaves[1]
    h.rebind({"body.leaves[1].features": 64, "tag": "u"})
    assert leaf.features == 64 and leaf.kernel == 3  # the edited leaf's attribute
    assert _same_state(leaf.__dict__, _as_init_leaves_it(Leaf, leaf))
    assert h.body.widest == 64 and h.body.runs == 2  # derived state: __init__ re-ran once
    assert h.tag == "u" and h.body is h.sym_init_args.body
    h.rebind({"body.scale": 2})
    assert h.body.widest == 128 and h.body.runs == 3
    assert h.__dict__["_sym_"].snap is stores.STORED


def test_a_container_edit_below_a_storing_object_rederives_the_rest() -> None:
    h = _tree()
    h.body.sym_init_args.leaves.append(Leaf(100))
    assert h.body.widest == 100 and h.body.runs == 2
    assert h.__dict__["_sym_"].snap is stores.STORED and h.body is h.sym_init_args.body


def test_clone_stores_the_copied_arguments_and_rederives_the_rest() -> None:
    h = _tree()
    c = gl.clone(h)
    assert gl.eq(c, h) and c.body is not h.body
    assert c.body is c.sym_init_args.body and c.tag == "t"
    assert c.body.widest == 16 and c.body.runs == 1  # a copy runs a real __init__ once
    leaf = c.body.sym_init_args.leaves[0]
    assert leaf.__dict__["_sym_"].snap is stores.STORED
    assert _same_state(leaf.__dict__, _as_init_leaves_it(Leaf, leaf))
    c.rebind({"body.leaves[0].features": 200})
    assert c.body.widest == 200 and h.body.widest == 16


@pytest.mark.parametrize(
    "change",
    [
        lambda leaf: setattr(leaf, "extra", 1),  # an attribute added
        lambda leaf: setattr(leaf, "features", 999),  # an attribute replaced
        lambda leaf: (delattr(leaf, "features"), setattr(leaf, "features", 8)),  # re-added
    ],
)
def test_a_storing_object_changed_after_construction_is_live(change: Any) -> None:
    h = _tree()
    leaf = h.body.sym_init_args.leaves[0]
    change(leaf)
    before = dict(leaf.__dict__)
    with pytest.raises(gl.LiveObjectError, match="attributes changed after construction"):
        h.rebind({"body.leaves[0].features": 32})
    assert leaf.sym_init_args.features == 8 and _same_state(leaf.__dict__, before)
    assert h.body.widest == 16 and h.body.runs == 1
    with pytest.raises(gl.LiveObjectError):  # an edit below it is refused as well
        leaf.rebind(kernel=5)
    fresh = gl.rebuild(leaf, features=32)
    assert fresh.features == 32 and not hasattr(fresh, "extra")


def test_a_live_ancestor_refuses_the_edit_and_nothing_changes() -> None:
    h = _tree()
    h.note = "added"  # the root changed after construction: live
    leaf = h.body.sym_init_args.leaves[0]
    with pytest.raises(gl.LiveObjectError):
        h.rebind({"body.leaves[0].features": 32})
    assert leaf.features == 8 and leaf.sym_init_args.features == 8
    assert h.body.widest == 16  # its __init__ ran for the edit, then back from the old values
    h.sym_init_args.body.sym_init_args.leaves.append(Leaf(50))  # a plain mutation above
    assert h.body.widest == 50 and h.note == "added"


def test_a_failed_second_edit_leaves_the_first_unapplied() -> None:
    h = _tree()
    leaf = h.body.sym_init_args.leaves[0]
    with pytest.raises(gl.ValidationError):
        h.rebind({"body.leaves[0].features": 32, "body.leaves[1].features": "wide"})
    assert leaf.features == 8 and leaf.sym_init_args.features == 8


@gl.symbolize
class Picky:
    def __init__(self, leaf: Leaf) -> None:
        if leaf.features > 100:
            raise ValueError("too wide")
        self.leaf = leaf


def test_an_init_that_rejects_the_edit_restores_the_storing_objects() -> None:
    p = Holder(Widest([Leaf(8)]))
    wrapped = Picky(Leaf(8))
    with pytest.raises(ValueError, match="too wide"):
        wrapped.rebind({"leaf.features": 500})
    assert wrapped.leaf.features == 8 and wrapped.sym_init_args.leaf.features == 8
    wrapped.rebind({"leaf.features": 9})
    assert wrapped.leaf.features == 9
    assert p.body.widest == 8


def test_plain_container_values_are_fingerprinted_and_their_growth_is_live() -> None:
    items: list[int] = [1]
    u = Unannotated(items)
    assert u.items is items and u.__dict__["_sym_"].snap == fingerprint(u)
    u.rebind(items=(1, 2))  # a tuple: nothing can grow, no fingerprint needed
    assert u.items == (1, 2) and u.__dict__["_sym_"].snap is stores.STORED
    grows: list[int] = []
    u.rebind(items=grows)
    assert u.items is grows and u.__dict__["_sym_"].snap == fingerprint(u)
    grows.append(1)
    with pytest.raises(gl.LiveObjectError):
        u.rebind(items=[])
    assert u.items is grows


def test_provenance_stays_with_its_value_through_edits_and_copies() -> None:
    @gl.patcher("test_stores/widen")
    def widen(tree: Any) -> Any:
        return {"body.leaves[0].features": 48}

    h = gl.patch(_tree(), "test_stores/widen")
    assert h.body.sym_init_args.leaves[0].features == 48
    assert gl.provenance(h, "body.leaves[0].features").rule == "test_stores/widen"
    c = gl.clone(h)
    assert gl.provenance(c, "body.leaves[0].features").rule == "test_stores/widen"
    c.rebind({"body.leaves[0].kernel": 5})  # another argument: the record stays
    assert gl.provenance(c, "body.leaves[0].features").rule == "test_stores/widen"
    c.rebind({"body.leaves[0].features": 50})  # by hand: the rule's record goes
    assert gl.provenance(c, "body.leaves[0].features") is None
    assert gl.provenance(h, "body.leaves[0].features").rule == "test_stores/widen"

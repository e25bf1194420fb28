"""``rebind``: edits by path, keyword and rule; atomicity; O(depth) re-derivation."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any

import pytest

import graftlab as gl

INIT_CALLS: Counter[int] = Counter()


@gl.symbolize
class Unit:
    def __init__(self, width: Annotated[int, gl.Range(0, 100)] = 1, tag: str = "") -> None:
        INIT_CALLS[id(self)] += 1
        if tag == "explode":
            raise ValueError("tag 'explode' is rejected by __init__")
        self.width = width


@gl.symbolize
class Block:
    def __init__(
        self,
        units: list[Any] = (),
        named: dict[str, Any] | None = None,
        pair: tuple[Unit, int] | None = None,
        ints: list[int] = (),
        **extra: int,
    ) -> None:
        INIT_CALLS[id(self)] += 1
        self.units = units
        self.named = named
        self.pair = pair
        self.ints = ints
        self.width = sum(u.width for u in units) + (pair[0].width if pair else 0)


def tree() -> Block:
    return Block(
        [
            Block([Unit(1), Unit(2)], named={"u": Unit(3)}),
            Block([Unit(4)]),
            Block([Block([Unit(5)])]),
        ],
        pair=(Unit(6), 7),
    )


def path_objects(root: Any, path: str) -> list[Any]:
    """The symbolic objects from ``root`` down to the value at ``path``."""
    kp = gl.KeyPath.parse(path)
    out = []
    for i in range(len(kp) + 1):
        v = gl.get(root, kp[:i])
        if gl.is_symbolic(v) and not isinstance(v, (list, dict)):
            out.append(v)
    return out


def test_rebind_by_path_kwargs_and_tuple_keys() -> None:
    t = tree()
    assert t.rebind({"units[0].units[1].width": 20}) is t
    assert t.units[0].units[1].width == 20
    assert t.units[0].width == 21
    gl.rebind(t, {("units", 1, "units", 0, "tag"): "x"})
    assert t.units[1].units[0].sym_init_args["tag"] == "x"
    t.units[1].rebind(units=[Unit(9), Unit(9)])
    assert t.units[1].width == 18 and t.width == 21 + 18 + 5 + 6
    assert t.units[1].units[1].sym_path == gl.KeyPath.parse("units[1].units[1]")


def test_only_objects_on_the_changed_path_rerun_init() -> None:
    t = tree()
    everything = [v for _, v in gl.walk(t) if gl.is_symbolic(v) and not isinstance(v, (list, dict))]
    INIT_CALLS.clear()
    t.rebind({"units[2].units[0].units[0].width": 50})
    on_path = path_objects(t, "units[2].units[0].units[0]")
    assert len(on_path) == 4
    assert {i: INIT_CALLS[id(o)] for i, o in enumerate(on_path)} == dict.fromkeys(range(4), 1)
    assert sum(INIT_CALLS.values()) == 4
    assert all(INIT_CALLS[id(o)] == 0 for o in everything if not any(o is p for p in on_path))
    assert t.units[2].units[0].width == 50


def test_batch_rederives_shared_ancestors_once() -> None:
    t = tree()
    INIT_CALLS.clear()
    t.rebind(
        {
            "units[0].units[0].width": 10,
            "units[0].units[1].width": 10,
            "units[1].units[0].width": 10,
        }
    )
    assert INIT_CALLS[id(t)] == 1
    assert INIT_CALLS[id(t.units[0])] == 1
    assert INIT_CALLS[id(t.units[2])] == 0
    assert sum(INIT_CALLS.values()) == 3 + 2 + 1


def test_container_edit_rederives_its_owners_only() -> None:
    t = tree()
    INIT_CALLS.clear()
    t.units[1].units.append(Unit(1))
    appended = t.units[1].units[-1]
    assert INIT_CALLS[id(t.units[1])] == 1 and INIT_CALLS[id(t)] == 1
    assert sum(INIT_CALLS.values()) == 3  # the new Unit, its Block, the root
    assert INIT_CALLS[id(appended)] == 1


def test_a_failing_validation_changes_nothing() -> None:
    t = tree()
    before = gl.format(t)
    new_units = [Unit(1)]
    INIT_CALLS.clear()
    with pytest.raises(gl.RangeError) as info:
        t.rebind(
            {
                "units[0].units[0].width": 5,
                "units[1].units": new_units,
                "units[1].units[0].width": 500,
            }
        )
    assert info.value.path == gl.KeyPath.parse("units[1].units[0].width")
    assert gl.format(t) == before
    assert sum(INIT_CALLS.values()) == 0
    assert t.units[0].width == 3
    for path, v in gl.walk(t):
        if gl.is_symbolic(v) and "pair" not in path:  # tuple items are not linked (see xfail)
            assert gl.path_of(v) == path


def test_a_failing_init_changes_nothing() -> None:
    t = tree()
    before = gl.format(t)
    with pytest.raises(ValueError, match="explode"):
        t.rebind({"units[0].units[0].width": 50, "units[1].units[0].tag": "explode"})
    assert gl.format(t) == before
    assert t.units[0].units[0].width == 1  # derived state restored too
    assert t.units[0].width == 3 and t.width == 3 + 4 + 5 + 6


def test_a_failing_path_changes_nothing() -> None:
    t = tree()
    before = gl.format(t)
    with pytest.raises(gl.KeyPathError) as info:
        t.rebind({"units[0].units[0].width": 9, "units[0].unitz[0].width": 1})
    assert "did you mean 'units'" in str(info.value)
    with pytest.raises(gl.KeyPathError, match="out of range"):
        t.rebind({"units[0].units[0].width": 9, "units[7]": Unit()})
    with pytest.raises(gl.UnknownArgumentError):
        t.units[0].units[0].rebind(widht=3)
    assert gl.format(t) == before


def test_missing_resets_defaults_and_deletes() -> None:
    t = tree()
    t.rebind({"units[0].units[0].width": 9})
    t.rebind({"units[0].units[0].width": gl.MISSING})
    assert t.units[0].units[0].width == 1
    t.rebind({"units[0].units[0]": gl.MISSING})
    assert [u.width for u in t.units[0].units] == [2]
    assert t.units[0].units[0].sym_path == gl.KeyPath.parse("units[0].units[0]")
    t.rebind({"units[0].named.u": gl.MISSING})
    assert t.units[0].named == {}
    t.rebind(foo=3)
    assert t.sym_init_args["foo"] == 3
    t.rebind(foo=gl.MISSING)
    assert "foo" not in t.sym_init_args
    with pytest.raises(gl.KeyPathError):
        t.rebind(foo=gl.MISSING)
    with pytest.raises(gl.KeyPathError):
        t.rebind({"units[0].named.zz": gl.MISSING})


def test_missing_on_required_argument_is_an_error() -> None:
    @gl.symbolize
    class Req:
        def __init__(self, x: int) -> None:
            self.x = x

    r = Req(1)
    with pytest.raises(gl.ValidationError, match="cannot delete required argument 'x'"):
        r.rebind(x=gl.MISSING)
    assert r.x == 1


def test_insert_into_lists() -> None:
    t = tree()
    t.rebind({"units[1].units[0]": gl.Insert(Unit(8))})
    assert [u.width for u in t.units[1].units] == [8, 4]
    t.rebind({"units[1].units[2]": Unit(9)})  # writing at len() appends
    assert [u.width for u in t.units[1].units] == [8, 4, 9]
    t.rebind({"units[1].units[-1]": gl.Insert(Unit(7))})
    assert [u.width for u in t.units[1].units] == [8, 4, 7, 9]
    for i, u in enumerate(t.units[1].units):
        assert u.sym_path == gl.KeyPath(["units", 1, "units", i])
    assert t.units[1].width == 28
    with pytest.raises(gl.ValidationError) as info:
        t.rebind({"ints[0]": gl.Insert("nope")})
    assert info.value.path == gl.KeyPath.parse("ints[0]")
    t.rebind({"ints[0]": gl.Insert(2), "ints[1]": 3})
    assert t.ints == [2, 3]
    t.rebind({"ints[0]": gl.Insert(1)})
    assert t.ints == [1, 2, 3]
    assert len(t.units[1].units) == 4
    assert repr(gl.Insert(1)) == "Insert(1)"


def test_tuple_item_edits_replace_the_tuple() -> None:
    t = tree()
    old_pair = t.pair
    t.rebind({"pair[1]": 70})
    assert t.pair[1] == 70 and t.pair is not old_pair
    t.rebind({"pair[0]": Unit(60)})
    assert t.pair[0].width == 60 and t.width == 3 + 4 + 5 + 60
    with pytest.raises(gl.ValidationError):
        t.rebind({"pair[1]": "x"})
    with pytest.raises(gl.KeyPathError):
        t.rebind({"pair[5]": 1})
    assert t.pair[1] == 70


def test_edit_inside_an_object_held_by_a_tuple_rederives_the_holder() -> None:
    t = tree()
    t.rebind({"pair[0].width": 16})
    assert t.pair[0].width == 16
    assert t.width == 3 + 4 + 5 + 16


def test_objects_inside_tuples_know_their_path() -> None:
    t = tree()
    assert t.pair[0].sym_path == gl.KeyPath.parse("pair[0]")
    assert gl.root_of(t.pair[0]) is t
    # a copy of the tree links its own tuple items
    c = gl.clone(t)
    assert c.pair[0].sym_path == gl.KeyPath.parse("pair[0]") and gl.root_of(c.pair[0]) is c


def test_rule_function() -> None:
    t = tree()
    seen: list[str] = []

    def double(path: gl.KeyPath, value: Any, parent: Any) -> Any:
        seen.append(str(path))
        if isinstance(value, Unit):
            return Unit(value.width * 2)
        return value

    t.rebind(double)
    assert [u.width for u in gl.query(t, Unit).values()] == [2, 4, 6, 8, 10, 12]
    # the rule does not descend into values it replaced, and runs top-down
    assert "units[0].units[0].width" not in seen
    assert seen.index("units") < seen.index("units[0]") < seen.index("units[0].units")


def test_meta_is_recorded_and_no_change() -> None:
    t = tree()
    assert t.rebind({}) is t
    with pytest.raises(gl.SymbolicError, match="changed nothing"):
        t.rebind({}, raise_on_no_change=True)
    t.rebind({"units[0].units[0].width": 3}, meta={"rule": "r1"})
    assert t.units[0].units[0].__dict__["_sym_"].meta == {"width": {"rule": "r1"}}
    t.rebind({"units[0].units[0]": Unit()}, meta={"rule": "r2"})
    assert t.units[0].units._sym_meta == {0: {"rule": "r2"}}


def test_rebinding_the_root_itself_is_an_error() -> None:
    t = tree()
    with pytest.raises(gl.KeyPathError, match="cannot rebind the root"):
        t.rebind({"": Unit()})
    with pytest.raises(gl.KeyPathError, match="named, not indexed"):
        t.rebind({"[0]": 1})
    with pytest.raises(gl.KeyPathError, match="not a symbolic value"):
        t.rebind({"units[0].units[0].width.x": 1})


def test_arguments_keep_signature_order_after_delete_and_readd() -> None:
    @gl.symbolize
    class Three:
        def __init__(self, a: int = 1, b: int = 2, c: int = 3, **kw: int) -> None:
            pass

    x = Three(z=1)
    x.rebind(y=2)
    assert list(x.sym_init_args) == ["a", "b", "c", "z", "y"]
    x.rebind(z=gl.MISSING)
    x.rebind(z=5)
    assert list(x.sym_init_args) == ["a", "b", "c", "y", "z"]
    x.rebind(b=gl.MISSING)  # resets to the default, in place
    assert list(x.sym_init_args) == ["a", "b", "c", "y", "z"]
    with pytest.raises(gl.ValidationError):
        x.rebind(y=gl.MISSING, a="bad")
    assert list(x.sym_init_args) == ["a", "b", "c", "y", "z"]


def test_editing_an_object_inside_a_tuple_rederives_its_holder() -> None:
    t = tree()
    unit = t.pair[0]
    unit.rebind(width=60)
    assert t.sym_init_args["pair"][0].width == 60
    assert gl.query(t, path="pair[0].width") == {gl.KeyPath.parse("pair[0].width"): 60}


ORDER: list[str] = []


@gl.symbolize
class Named:
    def __init__(self, name: str, kids: list[Any] = (), size: int = 0) -> None:
        ORDER.append(name)
        self.total = size + sum(k.total for k in kids)


def test_a_batch_rederives_each_owner_once_deepest_first() -> None:
    root = Named(
        "root",
        [Named("a", [Named("a0"), Named("a1", [Named("a1x")])]), Named("b", [Named("b0")])],
    )
    ORDER.clear()
    root.rebind(
        {
            "kids[1].kids[0].size": 1,  # depth 2
            "kids[0].kids[1].kids[0].size": 2,  # depth 3
            "kids[0].kids[0].size": 3,  # depth 2
            "kids[0].size": 4,  # depth 1
        }
    )
    assert ORDER == ["a1x", "b0", "a1", "a0", "b", "a", "root"]
    a = root.sym_init_args.kids[0]
    assert root.total == 10 and a.total == 9
    ORDER.clear()
    a.rebind({"kids[1].kids[0].size": 5, "kids[0].size": 0})  # from a subtree
    assert ORDER == ["a1x", "a1", "a0", "a", "root"] and root.total == 10

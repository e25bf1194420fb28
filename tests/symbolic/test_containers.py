"""SymList and SymDict: validation, parent links and keys after every kind of edit."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import graftlab as gl


@gl.symbolize
class Item:
    def __init__(self, v: int = 0) -> None:
        self.v = v


@gl.symbolize
class Holder:
    def __init__(self, items: list[Item] = (), table: dict[str, Item] | None = None) -> None:
        self.items = items
        self.table = table
        self.total = sum(i.v for i in items)
        self.keys = sorted(table) if table else []


def assert_links(container: Any) -> None:
    """Every node in ``container`` points back to it with its current key."""
    pairs = enumerate(container) if isinstance(container, list) else container.items()
    for key, value in pairs:
        if gl.is_symbolic(value):
            assert gl.parent_of(value) is container
            assert gl.path_of(value) == gl.path_of(container).child(key)


def make() -> Holder:
    return Holder([Item(1), Item(2), Item(3)], table={"a": Item(10), "b": Item(20)})


def test_items_are_validated_with_their_key() -> None:
    h = make()
    with pytest.raises(gl.ValidationError) as info:
        h.items.append("x")
    assert info.value.path == gl.KeyPath([3])
    assert "expected Item" in str(info.value)
    with pytest.raises(gl.ValidationError):
        h.items.insert(0, 1)
    with pytest.raises(gl.ValidationError):
        h.items[0] = None
    with pytest.raises(gl.ValidationError):
        h.items.extend([Item(), "x"])
    with pytest.raises(gl.ValidationError) as info:
        h.table["c"] = 3
    assert info.value.path == gl.KeyPath(["c"])
    with pytest.raises(gl.ValidationError, match="dict keys must be str"):
        h.table[1] = Item()  # type: ignore[index]
    with pytest.raises(gl.ValidationError):
        h.table.update({"c": Item(), "d": "x"})
    assert len(h.items) == 3 and set(h.table) == {"a", "b"}
    assert h.total == 6


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda lst: lst.append(Item(4)), [1, 2, 3, 4]),
        (lambda lst: lst.insert(0, Item(0)), [0, 1, 2, 3]),
        (lambda lst: lst.insert(-1, Item(9)), [1, 2, 9, 3]),
        (lambda lst: lst.insert(100, Item(9)), [1, 2, 3, 9]),
        (lambda lst: lst.__delitem__(0), [2, 3]),
        (lambda lst: lst.__delitem__(slice(0, 2)), [3]),
        (lambda lst: lst.pop(0), [2, 3]),
        (lambda lst: lst.pop(), [1, 2]),
        (lambda lst: lst.remove(Item(2)), [1, 3]),
        (lambda lst: lst.extend([Item(4), Item(5)]), [1, 2, 3, 4, 5]),
        (lambda lst: lst.__iadd__([Item(4)]), [1, 2, 3, 4]),
        (lambda lst: lst.sort(key=lambda i: -i.v), [3, 2, 1]),
        (lambda lst: lst.reverse(), [3, 2, 1]),
        (lambda lst: lst.__setitem__(1, Item(7)), [1, 7, 3]),
        (lambda lst: lst.__setitem__(-1, Item(7)), [1, 2, 7]),
        (lambda lst: lst.__setitem__(slice(0, 2), [Item(8)]), [8, 3]),
        (lambda lst: lst.__setitem__(slice(None, None, 2), [Item(5), Item(6)]), [5, 2, 6]),
        (lambda lst: lst.clear(), []),
        (lambda lst: lst.__imul__(2), [1, 2, 3, 1, 2, 3]),
    ],
)
def test_list_edits_keep_links_and_rederive(edit: Any, expected: list[int]) -> None:
    h = make()
    old = list(h.items)
    edit(h.items)
    assert [i.v for i in h.items] == expected
    assert_links(h.items)
    assert h.total == sum(expected)  # the owner re-ran __init__
    for item in old:
        if not any(item is x for x in h.items):
            assert gl.parent_of(item) is None  # removed items become roots


def test_dict_edits_keep_links_and_rederive() -> None:
    h = make()
    old_a = h.table["a"]
    h.table["a"] = Item(11)
    assert gl.parent_of(old_a) is None
    h.table["c"] = Item(30)
    assert h.keys == ["a", "b", "c"]
    del h.table["b"]
    assert h.keys == ["a", "c"]
    popped = h.table.pop("c")
    assert gl.parent_of(popped) is None and h.keys == ["a"]
    assert h.table.pop("zz", None) is None
    h.table.update({"x": Item(1)}, y=Item(2))
    assert h.keys == ["a", "x", "y"]
    h.table |= {"z": Item(3)}
    assert h.keys == ["a", "x", "y", "z"]
    assert h.table.setdefault("x", Item(99)).v == 1
    h.table.setdefault("w", Item(5))
    assert h.table["w"].v == 5
    key, value = h.table.popitem()
    assert key == "w" and gl.parent_of(value) is None
    assert_links(h.table)
    for k, item in h.table.items():
        assert item.sym_path == gl.KeyPath(["table", k])
    h.table.clear()
    assert h.keys == [] and h.table == {}


def test_a_node_held_elsewhere_is_copied_not_shared() -> None:
    a, b = make(), make()
    shared = a.items[0]
    b.items.append(shared)
    assert b.items[-1] is not shared
    assert gl.eq(b.items[-1], shared)
    assert gl.parent_of(shared) is a.items
    b.items[0:1] = [a.items[1]]
    assert b.items[0] is not a.items[1]
    assert gl.parent_of(a.items[1]) is a.items
    b.table["q"] = a.table["a"]
    assert b.table["q"] is not a.table["a"] and gl.parent_of(a.table["a"]) is a.table
    # moving within one list to another index copies as well
    a.items.append(a.items[0])
    assert a.items[3] is not a.items[0]
    assert_links(a.items)


def test_plain_nested_containers_are_wrapped() -> None:
    lst = gl.SymList([[1, {"a": [2]}]])
    assert isinstance(lst[0], gl.SymList)
    assert isinstance(lst[0][1], gl.SymDict)
    assert gl.path_of(lst[0][1]["a"]) == gl.KeyPath.parse("[0][1].a")
    d = gl.SymDict({"x": [1]}, y={"z": 2})
    assert isinstance(d["x"], gl.SymList) and isinstance(d["y"], gl.SymDict)
    assert gl.path_of(d["y"]) == gl.KeyPath(["y"])


def test_containers_compare_like_builtins_and_copy() -> None:
    lst = gl.SymList([1, 2])
    assert lst == [1, 2] and repr(lst) == "[1, 2]"
    d = gl.SymDict({"a": 1})
    assert d == {"a": 1} and repr(d) == "{'a': 1}"
    h = make()
    c = copy.deepcopy(h.items)
    assert gl.parent_of(c) is None and c[0] is not h.items[0] and gl.eq(c, h.items)
    shallow = copy.copy(h.table)
    assert isinstance(shallow, gl.SymDict) and gl.eq(shallow, h.table)
    back = pickle.loads(pickle.dumps(h.items))
    assert isinstance(back, gl.SymList) and gl.eq(back, h.items)
    dback = pickle.loads(pickle.dumps(h.table))
    assert isinstance(dback, gl.SymDict) and gl.eq(dback, h.table)


def test_extended_slice_size_mismatch() -> None:
    lst = gl.SymList([1, 2, 3])
    with pytest.raises(ValueError, match="extended slice of size 2"):
        lst[::2] = [1]
    assert lst == [1, 2, 3]


def test_pop_from_empty_and_remove_missing() -> None:
    lst = gl.SymList()
    with pytest.raises(IndexError):
        lst.pop()
    with pytest.raises(ValueError):
        lst.remove(1)
    with pytest.raises(IndexError):
        lst[3] = 1

"""Symbolic test classes and hypothesis strategies shared by the core's property tests.

The classes live at module level so that they pickle by name and resolve through the
registry when JSON is loaded. ``trees()`` generates symbolic trees of objects, lists, dicts,
tuples and scalars (floats include nan and +-inf, enums included); ``edit_tree`` applies
random edits to a tree so that a pair (a, edited clone of a) can be diffed.
"""

from __future__ import annotations

import enum
from typing import Any

from hypothesis import strategies as st

import graftlab as gl


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Mode(enum.Enum):
    TRAIN = "train"
    EVAL = "eval"


@gl.symbolize
class Leaf:
    """A leaf-ish object.

    Args:
      value: anything.
      color: a color.
    """

    def __init__(self, value: Any = 0, color: Color = Color.RED) -> None:
        self.value = value
        self.color = color


@gl.symbolize
class Pair:
    """Two arbitrary children."""

    def __init__(self, left: Any = None, right: Any = None) -> None:
        self.left = left
        self.right = right


@gl.symbolize
class Typed:
    """Typed arguments: validation must accept every generated value."""

    def __init__(
        self,
        count: int = 1,
        rate: float = 0.5,
        name: str = "t",
        mode: Mode = Mode.TRAIN,
        children: list[Any] = (),
        table: dict[str, Any] | None = None,
    ) -> None:
        self.count = count
        self.rate = rate


@gl.symbolize
class Root:
    """The root of generated trees (a root's own arguments are edited, never replaced)."""

    def __init__(self, body: Any = None, extra: list[Any] = ()) -> None:
        self.body = body


@gl.symbolize
def make_opt(lr: float, momentum: float = 0.9) -> dict[str, float]:
    return {"lr": lr, "momentum": momentum}


floats = st.floats(allow_nan=True, allow_infinity=True)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    floats,
    st.text(max_size=8),
    st.sampled_from(list(Color)),
    st.sampled_from(list(Mode)),
)
dict_keys = st.text(max_size=6) | st.sampled_from(["__type__", "__tuple__", "__dict__", "name"])


def _compound(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(dict_keys, children, max_size=4),
        st.lists(children, max_size=3).map(tuple),
        st.builds(Leaf, value=children, color=st.sampled_from(list(Color))),
        st.builds(Pair, left=children, right=children),
        st.builds(
            Typed,
            count=st.integers(-5, 5),
            rate=floats,
            name=st.text(max_size=5),
            mode=st.sampled_from(list(Mode)),
            children=st.lists(children, max_size=3),
            table=st.none() | st.dictionaries(st.text(max_size=4), children, max_size=3),
        ),
        st.builds(make_opt, lr=st.floats(-10, 10)),
    )


values = st.recursive(scalars, _compound, max_leaves=12)
trees = st.builds(Root, body=values, extra=st.lists(values, max_size=4))


def replacement_values() -> st.SearchStrategy[Any]:
    """Values to write during random edits (scalars and small compound values)."""
    return st.recursive(scalars, _compound, max_leaves=4)


def edit_tree(data: Any, tree: Any, n_edits: int) -> None:
    """Apply up to ``n_edits`` random, valid edits to ``tree`` in place (hypothesis ``data``).

    Edits change leaves, change the type of a value, insert list items and remove list
    items and dict keys. An edit the schema rejects is skipped.
    """
    for _ in range(n_edits):
        nodes = [p for p, _ in gl.walk(tree, include_root=False)]
        if not nodes:
            return
        path = data.draw(st.sampled_from(nodes), label="path")
        holder = gl.get(tree, path.parent)
        op = data.draw(st.sampled_from(["set", "insert", "delete", "append"]), label="op")
        value = data.draw(replacement_values(), label="value")
        if isinstance(holder, list):
            if op == "insert":
                edit: dict[Any, Any] = {path: gl.Insert(value)}
            elif op == "delete":
                edit = {path: gl.MISSING}
            elif op == "append":
                edit = {path.parent.child(len(holder)): value}
            else:
                edit = {path: value}
        elif isinstance(holder, dict) and op == "delete":
            edit = {path: gl.MISSING}
        elif isinstance(holder, dict) and op == "append":
            key = data.draw(dict_keys, label="key")
            edit = {path.parent.child(key): value}
        else:
            edit = {path: value}
        try:
            gl.rebind(tree, edit)
        except gl.ValidationError:
            continue

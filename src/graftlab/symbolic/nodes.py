"""The nodes of a symbolic tree and how they link: parents, keys, children, edits.

There are three kinds of node: symbolic objects (instances of ``@symbolize``d classes, whose
state sits in ``obj.__dict__['_sym_']``), ``SymList`` and ``SymDict`` (subclasses of the
builtins that validate and link their items). Everything else is a leaf. Each node knows its
parent and its key in that parent, so a node's path costs O(depth) and an edit re-derives the
state of the objects on the changed path only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, SupportsIndex

from graftlab.symbolic.errors import KeyPathError, ValidationError
from graftlab.symbolic.keypath import Key, KeyPath

if TYPE_CHECKING:
    from graftlab.symbolic.typespec import Spec

LEAF_TYPES = frozenset({int, float, str, bool, type(None), bytes, complex})


BUILDING: Any = "<building>"
"""``ObjState.snap`` while the original ``__init__`` runs: edits it makes re-derive nothing."""
LIVE: Any = "<live>"
"""``ObjState.snap`` of an object that holds built state (weights) from birth."""


class ObjState:
    """The symbolic state of one object: its schema, arguments and place in a tree.

    ``snap`` is ``None`` for a spec whose ``__init__`` has not run (runtime arguments
    missing), ``BUILDING`` while it runs, ``LIVE`` for framework objects with built state,
    ``stores.STORED`` for an object whose ``__init__`` only stored its arguments (its state
    is then checked against them, see ``stores``), and otherwise the object's fingerprint
    right after ``__init__`` (see ``frameworks``).
    """

    __slots__ = ("args", "key", "meta", "parent", "runtime", "schema", "snap")

    def __init__(self, schema: Any, args: dict[str, Any]) -> None:
        self.schema = schema
        self.args = args
        self.parent: Any = None
        self.key: Key | None = None
        self.meta: dict[Key, Any] | None = None
        self.runtime: dict[str, Any] | None = None
        self.snap: Any = None


def state_of(value: Any) -> ObjState | None:
    """The symbolic state of an object, or ``None`` for anything else."""
    d = getattr(value, "__dict__", None)
    if d is None:
        return None
    st = d.get("_sym_")
    return st if type(st) is ObjState else None


def is_node(value: Any) -> bool:
    """Whether ``value`` is a symbolic object, ``SymList`` or ``SymDict``."""
    t = type(value)
    if t in LEAF_TYPES:
        return False
    return isinstance(value, (SymList, SymDict)) or state_of(value) is not None


def parent_of(node: Any) -> Any:
    """The node that holds ``node``, or ``None``."""
    if isinstance(node, (SymList, SymDict)):
        return node._sym_parent
    st = state_of(node)
    return st.parent if st is not None else None


def key_of(node: Any) -> Key | None:
    """The key of ``node`` in its parent, or ``None`` for a root."""
    if isinstance(node, (SymList, SymDict)):
        return node._sym_key
    st = state_of(node)
    return st.key if st is not None else None


class TupleKey(tuple):  # type: ignore[type-arg]
    """The key of a node inside a tuple: ``(the tuple's key, index)``.

    Tuples are immutable values, not nodes, so a node inside one is linked to the tuple's
    holder; this key stands for the two path keys that lead to it.
    """

    __slots__ = ()


def _expand(key: Any) -> list[Key]:
    if type(key) is TupleKey:
        return [*_expand(key[0]), key[1]]
    return [key]


def path_of(node: Any) -> KeyPath:
    """The key path of ``node`` from the root of its tree (O(depth))."""
    keys: list[Key] = []
    while True:
        if isinstance(node, (SymList, SymDict)):
            parent, key = node._sym_parent, node._sym_key
        else:
            st = state_of(node)
            if st is None:
                break
            parent, key = st.parent, st.key
        if parent is None:
            break
        if type(key) is TupleKey:
            keys.extend(reversed(_expand(key)))
        else:
            keys.append(key)  # type: ignore[arg-type]
        node = parent
    keys.reverse()
    return KeyPath(keys)


def root_of(node: Any) -> Any:
    """The root of the tree that holds ``node``."""
    while True:
        parent = parent_of(node)
        if parent is None:
            return node
        node = parent


def _set_link(node: Any, parent: Any, key: Key | None) -> None:
    if isinstance(node, (SymList, SymDict)):
        node._sym_parent = parent
        node._sym_key = key
    else:
        st = state_of(node)
        if st is not None:
            st.parent = parent
            st.key = key


def attach(value: Any, parent: Any, key: Key) -> Any:
    """Link ``value`` under ``parent`` at ``key``; a node held elsewhere is copied first.

    A tree has one parent per node: putting a node that already has a parent somewhere
    else stores a deep copy, so editing one place never changes another.
    """
    t = type(value)
    if t in LEAF_TYPES:
        return value
    if t is tuple:
        return _attach_tuple(value, parent, key)
    if t is SymList or t is SymDict or isinstance(value, (SymList, SymDict)):
        owner = value._sym_parent
        if owner is not None and (owner is not parent or value._sym_key != key):
            from graftlab.symbolic.clone import clone

            value = clone(value)
        value._sym_parent = parent
        value._sym_key = key
        return value
    d = getattr(value, "__dict__", None)
    if d is not None:
        st = d.get("_sym_")
        if type(st) is ObjState:
            if st.parent is not None and (st.parent is not parent or st.key != key):
                from graftlab.symbolic.clone import clone

                value = clone(value)
                st = value.__dict__["_sym_"]
            st.parent = parent
            st.key = key
    return value


def _attach_tuple(value: tuple[Any, ...], parent: Any, key: Key) -> tuple[Any, ...]:
    items = list(value)
    changed = False
    for i, v in enumerate(items):
        if type(v) in LEAF_TYPES:
            continue
        new = attach(v, parent, TupleKey((key, i)))  # type: ignore[arg-type]
        if new is not v:
            items[i] = new
            changed = True
    return tuple(items) if changed else value


def relink(value: Any, parent: Any, key: Key) -> None:
    """Point a node (or the nodes inside a tuple) at a new key in the same parent."""
    if type(value) is tuple:
        for i, v in enumerate(value):
            if type(v) not in LEAF_TYPES:
                relink(v, parent, TupleKey((key, i)))  # type: ignore[arg-type]
    elif is_node(value):
        _set_link(value, parent, key)


def detach(value: Any) -> None:
    """Unlink a node from its parent (it becomes a root)."""
    if type(value) is tuple:
        for v in value:
            detach(v)
    elif is_node(value):
        _set_link(value, None, None)


def children(node: Any) -> Iterator[tuple[Key, Any]]:
    """The (key, value) pairs directly under a node, in order."""
    if isinstance(node, SymList):
        return iter(enumerate(list.__iter__(node)))
    if isinstance(node, SymDict):
        return iter(dict.items(node))
    st = state_of(node)
    if st is not None:
        return iter(st.args.items())
    if isinstance(node, tuple):
        return iter(enumerate(node))
    return iter(())


def get_child(node: Any, key: Key) -> Any:
    """The value at ``key`` directly under ``node``; raises ``KeyError`` if absent."""
    if isinstance(node, (list, tuple)):
        if not isinstance(key, int):
            raise KeyError(key)
        try:
            return node[key]
        except IndexError:
            raise KeyError(key) from None
    if isinstance(node, SymDict):
        return dict.__getitem__(node, key)
    st = state_of(node)
    if st is not None:
        return st.args[key]  # type: ignore[index]
    if isinstance(node, Mapping):
        return node[key]
    raise KeyError(key)


def get(root: Any, path: str | Iterable[Key]) -> Any:
    """The value at ``path`` under ``root``; ``KeyPathError`` names the missing step."""
    kp = KeyPath.parse(path)  # type: ignore[arg-type]
    node = root
    for i, key in enumerate(kp):
        try:
            node = get_child(node, key)
        except KeyError:
            where = KeyPath(kp[:i])
            raise KeyPathError(
                f"no {key!r} under {type(node).__name__} at {str(where) or '<root>'}"
                f"{_did_you_mean(key, node)}",
                kp,
            ) from None
    return node


def _did_you_mean(key: Key, node: Any) -> str:
    import difflib

    if not isinstance(key, str):
        return ""
    names = [k for k, _ in children(node) if isinstance(k, str)]
    close = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def owner_objects(node: Any) -> list[Any]:
    """The symbolic objects from ``node`` (inclusive) up to the root, bottom-up."""
    out = []
    while node is not None:
        if isinstance(node, (SymList, SymDict)):
            node = node._sym_parent
            continue
        st = state_of(node)
        if st is None:
            break
        out.append(node)
        node = st.parent
    return out


def rederive(node: Any) -> None:
    """Re-derive the state of every object from ``node`` up to the root (after an edit)."""
    run_plan(edit_plan(node))


def edit_plan(node: Any) -> list[Any]:
    """The objects to re-derive after a mutation of the container ``node``, bottom-up.

    The walk up stops at an object whose own ``__init__`` is running (an edit it makes of
    its own arguments, as torch's ``add_param_group`` does) and at a live object (built
    state, or changed after construction): a container that reached a live object's
    ``__init__`` is the object's own state, so mutating it is the plain Python mutation it
    was before annotation, and nothing re-runs. ``rebind`` is the edit that refuses instead.
    """
    from graftlab.symbolic.frameworks import fingerprint
    from graftlab.symbolic.stores import STORED, intact

    out: list[Any] = []
    parent = parent_of(node)
    while parent is not None:
        st = state_of(parent)
        if st is not None:
            snap = st.snap
            if snap is BUILDING:
                break
            if snap is STORED:
                if not intact(parent.__dict__, st.args, st.schema.stores):
                    break
            elif snap is not None and (
                snap is LIVE or (st.schema.rederive_on_edit and snap != fingerprint(parent))
            ):
                break
            out.append(parent)
            parent = st.parent
        else:
            parent = parent_of(parent)
    return out


def run_plan(objs: list[Any]) -> None:
    """Re-derive the objects of an ``edit_plan``."""
    for obj in objs:
        st = obj.__dict__["_sym_"]
        st.schema.rederive(obj)


_placeholder_types: set[type] = set()  # filled by ``graftlab.symbolic.placeholder``


def check_item(spec: Spec | None, value: Any, key: Key) -> Any:
    """Validate an item for a container, giving errors the item's key."""
    if spec is None:
        t = type(value)
        if t is list or t is dict:
            return wrap(value, None)
        return value
    try:
        return spec.check(value)
    except ValidationError as e:
        err = e
        if _placeholder_types:
            from graftlab.symbolic import placeholder

            try:
                return placeholder.stand_in(spec, value, e)
            except ValidationError as e2:
                err = e2
        err.path = KeyPath((key, *(err.path or ())))
        err.args = (err._render(),)
        raise err from None


def wrap(value: Any, spec: Spec | None) -> Any:
    """Turn a plain list or dict into a symbolic container (other values pass)."""
    if isinstance(value, list) and not isinstance(value, SymList):
        return wrap_list(value, spec)
    if isinstance(value, dict) and not isinstance(value, SymDict):
        return wrap_dict(value, spec)
    return value


def wrap_list(value: Iterable[Any], spec: Spec | None) -> SymList:
    """A ``SymList`` of validated items (reusing ``value`` if it already is a free one)."""
    if type(value) is SymList and value._sym_parent is None and value._sym_spec == spec:  # type: ignore[union-attr]
        return value  # type: ignore[return-value]
    out = SymList.__new__(SymList)
    out._sym_parent = None
    out._sym_key = None
    out._sym_spec = spec
    out._sym_meta = None
    items = []
    for i, v in enumerate(value):
        v = check_item(spec, v, i)
        if type(v) not in LEAF_TYPES:
            v = attach(v, out, i)
        items.append(v)
    list.extend(out, items)
    return out


def wrap_dict(value: Mapping[str, Any], spec: Spec | None) -> SymDict:
    """A ``SymDict`` of validated values (keys must be strings)."""
    if type(value) is SymDict and value._sym_parent is None and value._sym_spec == spec:  # type: ignore[union-attr]
        return value  # type: ignore[return-value]
    out = SymDict.__new__(SymDict)
    out._sym_parent = None
    out._sym_key = None
    out._sym_spec = spec
    out._sym_meta = None
    for k, v in value.items():
        if not isinstance(k, str):
            raise ValidationError(f"dict keys must be str, got {type(k).__name__} {k!r}", KeyPath())
        v = check_item(spec, v, k)
        if type(v) not in LEAF_TYPES:
            v = attach(v, out, k)
        dict.__setitem__(out, k, v)
    return out


class SymList(list):  # type: ignore[type-arg]
    """A list that validates its items, knows its place in a tree and reports edits."""

    __slots__ = ("__weakref__", "_sym_key", "_sym_meta", "_sym_parent", "_sym_spec")

    def __init__(self, items: Iterable[Any] = (), spec: Spec | None = None) -> None:
        self._sym_parent: Any = None
        self._sym_key: Key | None = None
        self._sym_spec = spec
        self._sym_meta: dict[Key, Any] | None = None
        checked = []
        for i, v in enumerate(items):
            v = check_item(spec, v, i)
            checked.append(attach(v, self, i))
        list.__init__(self, checked)

    def __reduce__(self) -> Any:
        return (SymList, (list(self), self._sym_spec))

    def _shift_meta(self, index: int, delta: int) -> None:
        """Keep per-item metadata (provenance) with its item when items shift."""
        meta = self._sym_meta
        if not meta:
            return
        shifted: dict[Key, Any] = {}
        for k, v in meta.items():
            if not isinstance(k, int) or k < index:
                shifted[k] = v
            elif delta < 0 and k < index - delta:
                continue  # metadata of a deleted item goes with it
            else:
                shifted[k + delta] = v
        self._sym_meta = shifted

    def _remap_meta(self, before: list[Any]) -> None:
        """After a reordering, move metadata to where each item went (by identity)."""
        meta = self._sym_meta
        if not meta:
            return
        by_id = {id(v): meta[i] for i, v in enumerate(before) if i in meta}
        self._sym_meta = {
            i: by_id[id(v)] for i, v in enumerate(list.__iter__(self)) if id(v) in by_id
        }

    def _relink_from(self, start: int) -> None:
        for i in range(max(start, 0), len(self)):
            v = list.__getitem__(self, i)
            if type(v) not in LEAF_TYPES:
                relink(v, self, i)

    def _normalize(self, index: SupportsIndex) -> int:
        i = index.__index__()
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return i

    def __setitem__(self, index: Any, value: Any) -> None:
        plan = edit_plan(self)
        if isinstance(index, slice):
            targets = range(*index.indices(len(self)))
            values = list(value)
            contiguous = index.step is None or index.step == 1
            if not contiguous and len(values) != len(targets):
                raise ValueError(
                    f"attempt to assign sequence of size {len(values)} "
                    f"to extended slice of size {len(targets)}"
                )
            first = targets.start if contiguous else 0
            keys = [first + j if contiguous else targets[j] for j in range(len(values))]
            new = [check_item(self._sym_spec, v, k) for v, k in zip(values, keys, strict=True)]
            # A node held elsewhere (another tree, another index) is copied, as in ``attach``.
            new = [attach(v, self, k) for v, k in zip(new, keys, strict=True)]
            kept = {id(v) for v in new}
            for old in list.__getitem__(self, index):
                if id(old) not in kept:
                    detach(old)
            list.__setitem__(self, index, new)
            self._relink_from(0)
        else:
            i = self._normalize(index)
            value = attach(check_item(self._sym_spec, value, i), self, i)
            detach(list.__getitem__(self, i))
            list.__setitem__(self, i, value)
        run_plan(plan)

    def __delitem__(self, index: Any) -> None:
        plan = edit_plan(self)
        if isinstance(index, slice):
            for old in list.__getitem__(self, index):
                detach(old)
            list.__delitem__(self, index)
            self._relink_from(0)
        else:
            i = self._normalize(index)
            detach(list.__getitem__(self, i))
            list.__delitem__(self, i)
            self._shift_meta(i, -1)
            self._relink_from(i)
        run_plan(plan)

    def append(self, value: Any) -> None:
        plan = edit_plan(self)
        i = len(self)
        list.append(self, attach(check_item(self._sym_spec, value, i), self, i))
        run_plan(plan)

    def insert(self, index: SupportsIndex, value: Any) -> None:
        plan = edit_plan(self)
        i = index.__index__()
        n = len(self)
        i = max(0, min(n, i + n if i < 0 else i))
        list.insert(self, i, attach(check_item(self._sym_spec, value, i), self, i))
        self._shift_meta(i, 1)
        self._relink_from(i + 1)
        run_plan(plan)

    def extend(self, values: Iterable[Any]) -> None:
        plan = edit_plan(self)
        start = len(self)
        new = [
            attach(check_item(self._sym_spec, v, start + j), self, start + j)
            for j, v in enumerate(values)
        ]
        list.extend(self, new)
        run_plan(plan)

    def __iadd__(self, values: Iterable[Any]) -> SymList:  # type: ignore[override,misc]
        self.extend(values)
        return self

    def pop(self, index: SupportsIndex = -1) -> Any:
        plan = edit_plan(self)
        i = self._normalize(index)
        value = list.pop(self, i)
        detach(value)
        self._shift_meta(i, -1)
        self._relink_from(i)
        run_plan(plan)
        return value

    def remove(self, value: Any) -> None:
        del self[self.index(value)]

    def clear(self) -> None:
        plan = edit_plan(self)
        for v in list.__iter__(self):
            detach(v)
        list.clear(self)
        self._sym_meta = None
        run_plan(plan)

    def sort(self, *args: Any, **kwargs: Any) -> None:
        plan = edit_plan(self)
        before = list(list.__iter__(self))
        list.sort(self, *args, **kwargs)
        self._remap_meta(before)
        self._relink_from(0)
        run_plan(plan)

    def reverse(self) -> None:
        plan = edit_plan(self)
        before = list(list.__iter__(self))
        list.reverse(self)
        self._remap_meta(before)
        self._relink_from(0)
        run_plan(plan)

    def __imul__(self, n: SupportsIndex) -> SymList:  # type: ignore[override,misc]
        items = list(self)
        for _ in range(n.__index__() - 1):
            self.extend(items)
        if n.__index__() <= 0:
            self.clear()
        return self

    def __copy__(self) -> SymList:
        return SymList(list(self), self._sym_spec)

    def __deepcopy__(self, memo: dict[int, Any]) -> SymList:
        from graftlab.symbolic.clone import clone

        return clone(self)

    def __repr__(self) -> str:
        return list.__repr__(self)


class SymDict(dict):  # type: ignore[type-arg]
    """A dict with string keys that validates values and knows its place in a tree."""

    __slots__ = ("__weakref__", "_sym_key", "_sym_meta", "_sym_parent", "_sym_spec")

    def __init__(
        self, items: Mapping[str, Any] | None = None, spec: Spec | None = None, **kw: Any
    ) -> None:
        self._sym_parent: Any = None
        self._sym_key: Key | None = None
        self._sym_spec = spec
        self._sym_meta: dict[Key, Any] | None = None
        merged = dict(items or {}, **kw)
        for k, v in merged.items():
            if not isinstance(k, str):
                raise ValidationError(
                    f"dict keys must be str, got {type(k).__name__} {k!r}", KeyPath()
                )
            dict.__setitem__(self, k, attach(check_item(spec, v, k), self, k))

    def __reduce__(self) -> Any:
        return (SymDict, (dict(self), self._sym_spec))

    def __setitem__(self, key: str, value: Any) -> None:
        plan = edit_plan(self)
        if not isinstance(key, str):
            raise ValidationError(
                f"dict keys must be str, got {type(key).__name__} {key!r}", KeyPath()
            )
        value = attach(check_item(self._sym_spec, value, key), self, key)
        if key in self:
            detach(dict.__getitem__(self, key))
        dict.__setitem__(self, key, value)
        run_plan(plan)

    def __delitem__(self, key: str) -> None:
        plan = edit_plan(self)
        detach(dict.__getitem__(self, key))
        dict.__delitem__(self, key)
        run_plan(plan)

    def pop(self, key: str, *default: Any) -> Any:
        plan = edit_plan(self)
        if key not in self:
            return dict.pop(self, key, *default)
        value = dict.pop(self, key)
        detach(value)
        run_plan(plan)
        return value

    def popitem(self) -> tuple[str, Any]:
        plan = edit_plan(self)
        key, value = dict.popitem(self)
        detach(value)
        run_plan(plan)
        return key, value

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, other: Any = (), **kw: Any) -> None:  # type: ignore[override]
        plan = edit_plan(self)
        merged = dict(other, **kw)
        staged = {}
        for k, v in merged.items():
            if not isinstance(k, str):
                raise ValidationError(
                    f"dict keys must be str, got {type(k).__name__} {k!r}", KeyPath()
                )
            staged[k] = check_item(self._sym_spec, v, k)
        for k, v in staged.items():
            if k in self:
                detach(dict.__getitem__(self, k))
            dict.__setitem__(self, k, attach(v, self, k))
        run_plan(plan)

    def __ior__(self, other: Any) -> SymDict:  # type: ignore[override,misc]
        self.update(other)
        return self

    def clear(self) -> None:
        plan = edit_plan(self)
        for v in dict.values(self):
            detach(v)
        dict.clear(self)
        run_plan(plan)

    def __copy__(self) -> SymDict:
        return SymDict(dict(self), self._sym_spec)

    def __deepcopy__(self, memo: dict[int, Any]) -> SymDict:
        from graftlab.symbolic.clone import clone

        return clone(self)

    def __repr__(self) -> str:
        return dict.__repr__(self)

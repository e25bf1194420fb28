"""Editing symbolic trees in place: ``rebind`` by paths, keywords or a rule function.

An edit is atomic (every value is validated; if one fails, nothing changes) and costs
O(depth) per edited leaf: only the objects on the path from the edited node to the root
re-derive their state, each once, deepest first. Objects whose ``__init__`` only stores its
arguments re-derive by storing them (``stores``). One edit of an existing argument by key
path, the most frequent edit, takes a direct path (``_edit_one``) with the same steps.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.errors import KeyPathError, SymbolicError, ValidationError
from graftlab.symbolic.frameworks import _SIZED_TYPES, fingerprint
from graftlab.symbolic.keypath import Key, KeyPath, _parse_cached
from graftlab.symbolic.nodes import LEAF_TYPES, ObjState, SymDict, SymList, parent_of, state_of
from graftlab.symbolic.schema import MISSING, live_error
from graftlab.symbolic.stores import STORED, intact
from graftlab.symbolic.stores import run as run_stores


class Insert:
    """``rebind({'layers[2]': gl.Insert(x)})`` inserts ``x`` before index 2 of a list."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Insert({self.value!r})"


Rule = Callable[[KeyPath, Any, Any], Any]


def rebind(
    root: Any,
    updates: Mapping[Any, Any] | Rule | None = None,
    /,
    *,
    meta: Mapping[str, Any] | None = None,
    raise_on_no_change: bool = False,
    **kwargs: Any,
) -> Any:
    """Apply edits under ``root`` and return it.

    ``updates`` maps key paths (text or tuples, relative to ``root``) to new values;
    ``gl.MISSING`` deletes (or resets an argument to its default), ``gl.Insert(v)`` inserts
    into a list. A callable ``updates(path, value, parent)`` is called on every node top-down
    and returns the new value (or the same object to keep it). Keywords name arguments of
    ``root`` itself. ``meta`` is stored for every written value (used for provenance).
    """
    if type(updates) is dict and len(updates) == 1 and not kwargs:
        # One edit by key path, the most frequent (editors, tuning): a direct path for the
        # common shape, which hands anything else to the general one before changing a thing.
        for p, v in updates.items():
            path = _parse_cached(p) if type(p) is str else KeyPath.parse(p)
            if _edit_one(root, path, v, meta):
                return root
    if callable(updates) and not isinstance(updates, Mapping):
        edits = _collect_rule(root, updates)
    else:
        edits = [(KeyPath.parse(p), v) for p, v in (updates or {}).items()]
    edits.extend((KeyPath((k,)), v) for k, v in kwargs.items())
    if not edits:
        if raise_on_no_change:
            raise SymbolicError("rebind changed nothing", KeyPath())
        return root
    apply_edits(root, edits, meta=meta)
    return root


def _collect_rule(root: Any, rule: Rule) -> list[tuple[KeyPath, Any]]:
    edits: list[tuple[KeyPath, Any]] = []

    def visit(node: Any, path: KeyPath) -> None:
        for key, value in list(nodes.children(node)):
            child_path = path.child(key)
            new = rule(child_path, value, node)
            if new is not value:
                edits.append((child_path, new))
            elif type(value) not in LEAF_TYPES:
                visit(value, child_path)

    visit(root, KeyPath())
    return edits


def apply_edits(
    root: Any, edits: list[tuple[KeyPath, Any]], meta: Mapping[str, Any] | None = None
) -> None:
    """Apply validated edits atomically, then re-derive the objects on the changed paths."""
    undo: list[tuple[Any, Key, Any, bool]] = []
    touched: list[Any] = []
    # Objects of storing classes (``stores``) whose arguments an edit replaces: whether each
    # was untouched since its ``__init__``, judged before its first edit.
    checked: dict[int, bool] = {}
    try:
        for path, value in edits:
            if not path:
                raise KeyPathError("cannot rebind the root itself; edit its arguments", path)
            parent = _direct_parent(root, path)
            if parent is not None:
                # The common case, one walk down: no tuple on the way, every step present.
                if not _replace_arg(parent, path[-1], value, undo, meta, checked):
                    _set(parent, path[-1], value, path, undo, meta, checked)
                touched.append(parent)
                continue
            parent_path, key = path.parent, path[-1]
            parent = nodes.get(root, parent_path)
            while type(parent) is tuple:
                # Tuples are immutable: the edit replaces the whole tuple in its holder.
                if (
                    not parent_path
                    or not isinstance(key, int)
                    or not -len(parent) <= key < len(parent)
                ):
                    raise KeyPathError(f"cannot edit tuple item {key!r} here", path)
                items = list(parent)
                if value is MISSING:
                    del items[key]
                else:
                    items[key] = value
                value = tuple(items)
                parent_path, key = parent_path.parent, parent_path[-1]
                parent = nodes.get(root, parent_path)
            _set(parent, key, value, parent_path.child(key), undo, meta, checked)
            touched.append(parent)
            touched.extend(_tuple_holders(root, parent_path))
    except BaseException:
        for node, key, old, existed in reversed(undo):
            _raw_restore(node, key, old, existed)
        raise
    order: list[tuple[int, Any]]
    if len(touched) == 1:
        order = [(0, obj) for obj in _owners(touched[0])]  # already bottom-up
    else:
        order = _owners_deepest_first(touched)
    done = 0
    stored: list[Any] = []  # objects whose new arguments were stored (no __init__ call)
    try:
        for _, obj in order:
            done += 1
            st = obj.__dict__["_sym_"]
            if st.snap is not STORED:
                st.schema.rederive(obj)
                continue
            was_intact = checked.get(id(obj))
            if was_intact is None:  # an edit below it: its arguments are the same objects
                if not intact(obj.__dict__, st.args, st.schema.stores):
                    raise live_error(obj)
                continue  # storing them again would change nothing
            if not was_intact:
                raise live_error(obj)
            stored.append(obj)
            # ``_store_args``, inline: what re-running the ``__init__`` does.
            od = obj.__dict__
            oargs = st.args
            sized = False
            for a, p in st.schema.stores.pairs:
                v = oargs[p]
                od[a] = v
                if type(v) in _SIZED_TYPES:
                    sized = True
            if sized:
                st.snap = fingerprint(obj)
    except BaseException:
        # An ``__init__`` rejected the new values (or an object is live): undo the edits and
        # re-derive the objects already re-run from the old values, so that the failed rebind
        # changes nothing.
        for node, key, old, existed in reversed(undo):
            _raw_restore(node, key, old, existed)
        for obj in stored:
            _store_args(obj, obj.__dict__["_sym_"])
        for _, obj in order[:done]:
            st = obj.__dict__["_sym_"]
            if st.snap is STORED:
                continue  # restored above, or never re-run
            try:
                st.schema.rederive(obj)
            except Exception:
                pass
        raise


def _replace_arg(
    node: Any,
    key: Key,
    value: Any,
    undo: list[tuple[Any, Key, Any, bool]],
    meta: Mapping[str, Any] | None,
    checked: dict[int, bool],
) -> bool:
    """``_set`` for the most frequent edit of a batch (a rule replacing values): an existing
    named argument of an object, given a value its field accepts as is. ``False`` (nothing
    done) for anything else, which ``_set`` then handles or reports."""
    d = getattr(node, "__dict__", None)
    st = d.get("_sym_") if d is not None else None
    if type(st) is not ObjState or type(key) is not str or value is MISSING:
        return False
    args = st.args
    old = args.get(key, _ABSENT)
    f = st.schema.fields.get(key)
    if old is _ABSENT or f is None or type(value) is Insert:
        return False
    try:
        new = f.check(value)
    except ValidationError:
        return False
    if st.snap is STORED and id(node) not in checked:
        checked[id(node)] = intact(d, args, st.schema.stores)  # before the arguments change
    _put_arg(node, st, key, new, old, True, undo, meta)
    return True


def _put_arg(
    node: Any,
    st: ObjState,
    key: str,
    new: Any,
    old: Any,
    existed: bool,
    undo: list[tuple[Any, Key, Any, bool]],
    meta: Mapping[str, Any] | None,
) -> None:
    """Make the checked value ``new`` argument ``key`` of the object ``node`` (state ``st``):
    link it, record the undo, unlink the value it replaces (``old``, where ``existed``) and
    record provenance. The shared last steps of ``_replace_arg`` and ``_set``."""
    if type(new) not in LEAF_TYPES:
        new = nodes.attach(new, node, key)
    undo.append((node, key, old, existed))
    st.args[key] = new
    if not existed:
        _reorder(st)
    elif old is not new and type(old) not in LEAF_TYPES:
        od = getattr(old, "__dict__", None)
        ost = od.get("_sym_") if od is not None else None
        if type(ost) is ObjState:
            ost.parent = ost.key = None  # what ``nodes.detach`` does, inline
        else:
            nodes.detach(old)
    current = st.meta
    if meta is None:
        if current or _meta_above(node):
            _store_meta(node, key, meta)
    else:  # ``_store_meta``, inline: a new record, this object's own outer dict
        if current is None:
            st.meta = current = {}
        prev = current.get(key)
        current[key] = {**prev, **meta} if prev else dict(meta)


def _store_args(obj: Any, st: ObjState) -> None:
    """Re-run a storing ``__init__`` (``stores``): its arguments become its attributes."""
    snap = run_stores(obj.__dict__, st.args, st.schema.stores)
    st.snap = snap if snap is not None else fingerprint(obj)


_ABSENT = object()


def _edit_one(root: Any, path: KeyPath, value: Any, meta: Mapping[str, Any] | None) -> bool:
    """``apply_edits(root, [(path, value)], meta)`` for an existing named argument of an
    object reached through objects, symbolic lists and dicts, with a value its field accepts
    as is; ``False`` (nothing done) for anything else. The same steps as the general path,
    in the same order: validate, link, record provenance, then re-derive the objects on the
    path bottom-up (refusing live ones), undoing everything if one fails."""
    if not path or value is MISSING or type(value) is Insert:
        return False
    node = root
    try:
        for k in path[:-1]:
            if type(k) is str:
                if type(node) is SymDict:
                    node = dict.__getitem__(node, k)
                else:
                    node = node.__dict__["_sym_"].args[k]
            elif type(k) is int and type(node) is SymList:
                node = list.__getitem__(node, k)
            else:
                return False
        d = node.__dict__
        st = d["_sym_"]
    except (KeyError, IndexError, AttributeError, TypeError):
        return False
    key = path[-1]
    if type(st) is not ObjState or type(key) is not str:
        return False
    args = st.args
    old = args.get(key, _ABSENT)
    schema = st.schema
    f = schema.fields.get(key)
    if old is _ABSENT or f is None:
        return False
    try:
        new = f.check(value)
    except ValidationError:
        return False  # the general path reports it (or lets a default or placeholder in)
    stored = st.snap is STORED
    was_intact = False
    if stored:  # ``stores.intact``, inline: judged before the arguments change
        stores = schema.stores
        was_intact = tuple(d) == stores.keys
        if was_intact:
            for a, p in stores.final:
                if d[a] is not args[p]:
                    was_intact = False
                    break
    if type(new) not in LEAF_TYPES:
        new = nodes.attach(new, node, key)
    args[key] = new
    if old is not new and type(old) not in LEAF_TYPES:
        nodes.detach(old)
    # Re-derive bottom-up: ``node``, then each object above it, in one walk that also sees
    # whether a node on the way holds a provenance record (a write by hand then clears the
    # record that applies to this value; it is written once the walk is over, as if before).
    rerun: list[Any] = []  # objects above whose ``__init__`` ran (re-run back on failure)
    recorded = bool(st.meta)
    try:
        if not stored:
            schema.rederive(node)
        elif not was_intact:
            raise live_error(node)
        else:  # ``stores.run``, inline: what re-running the ``__init__`` does
            sized = False
            for a, p in stores.pairs:
                v = args[p]
                d[a] = v
                if type(v) in _SIZED_TYPES:
                    sized = True
            if sized:
                st.snap = fingerprint(node)
        cur = st.parent
        while cur is not None:
            t = type(cur)
            if t is SymList or t is SymDict:
                if cur._sym_meta:
                    recorded = True
                cur = cur._sym_parent
                continue
            od = getattr(cur, "__dict__", _NO_DICT)
            ost = od.get("_sym_")
            if type(ost) is not ObjState:
                break
            if ost.meta:
                recorded = True
            if ost.snap is not STORED:
                rerun.append(cur)
                ost.schema.rederive(cur)
            else:
                # An edit below it: its arguments are the same objects, so storing them
                # again would change nothing; only whether it changed since is in question.
                ostores = ost.schema.stores
                if tuple(od) != ostores.keys:
                    raise live_error(cur)
                oargs = ost.args
                for a, p in ostores.final:
                    if od[a] is not oargs[p]:
                        raise live_error(cur)
            cur = ost.parent
    except BaseException:
        _store_meta(node, key, meta)  # as the general path: recorded before re-deriving
        _raw_restore(node, key, old, True)
        if stored and was_intact:
            _store_args(node, st)
        elif not stored:
            _rederive_quietly(node)
        for obj in rerun:
            _rederive_quietly(obj)
        raise
    if meta is not None or recorded:
        _store_meta(node, key, meta)
    return True


_NO_DICT: dict[str, Any] = {}


def _rederive_quietly(obj: Any) -> None:
    """Re-derive an object from restored arguments after a failed edit (best effort)."""
    st = obj.__dict__["_sym_"]
    if st.snap is STORED:
        return  # its arguments were not replaced: nothing was stored
    try:
        st.schema.rederive(obj)
    except Exception:
        pass


def _direct_parent(root: Any, path: KeyPath) -> Any:
    """The node that holds ``path[-1]``, walking down from ``root`` once; ``None`` when the
    walk meets a tuple, a missing key or a value that is not a node (the general path then
    handles or reports it)."""
    node = root
    try:
        for k in path[:-1]:
            if type(k) is str:
                if type(node) is SymDict:
                    node = dict.__getitem__(node, k)
                else:
                    st = node.__dict__["_sym_"]
                    if type(st) is not ObjState:
                        return None
                    node = st.args[k]
            elif type(k) is int and type(node) is SymList:
                node = list.__getitem__(node, k)
            else:
                return None
    except (KeyError, IndexError, AttributeError, TypeError):
        return None
    t = type(node)
    if t is SymList or t is SymDict:
        return node
    d = getattr(node, "__dict__", None)
    if d is not None and type(d.get("_sym_")) is ObjState:
        return node
    return None


def _owners(node: Any) -> list[Any]:
    """``nodes.owner_objects``: the symbolic objects from ``node`` up to the root."""
    out = []
    while node is not None:
        t = type(node)
        if t is SymList or t is SymDict or isinstance(node, (SymList, SymDict)):
            node = node._sym_parent
            continue
        d = getattr(node, "__dict__", None)
        st = d.get("_sym_") if d is not None else None
        if type(st) is not ObjState:
            break
        out.append(node)
        node = st.parent
    return out


def _owners_deepest_first(touched: list[Any]) -> list[tuple[int, Any]]:
    """Every object that owns a touched node, once, with its depth, deepest first (for
    equal depths: in the order first met, each chain read from the root down).

    A walk up stops at the first object already seen: its depth is known, so a batch of
    edits below one parent costs O(edits + distinct owners), not O(edits * depth).
    """
    depth_of: dict[int, int] = {}
    order: list[tuple[int, Any]] = []
    for node in touched:
        if id(node) in depth_of:
            continue  # another edit of the same node: its chain is known
        chain: list[Any] = []
        base = -1
        while node is not None:
            d = getattr(node, "__dict__", None)
            if d is None:  # a symbolic list or dict (they have no ``__dict__``)
                if (
                    type(node) is SymList
                    or type(node) is SymDict
                    or isinstance(node, (SymList, SymDict))
                ):
                    node = node._sym_parent
                    continue
                break
            st = d.get("_sym_")
            if type(st) is not ObjState:
                break
            known = depth_of.get(id(node))
            if known is not None:
                base = known
                break
            chain.append(node)
            node = st.parent
        for obj in reversed(chain):
            base += 1
            depth_of[id(obj)] = base
            order.append((base, obj))
    order.sort(key=_first, reverse=True)  # stable: equal depths keep their order
    return order


_first = operator.itemgetter(0)


def _tuple_holders(root: Any, path: KeyPath) -> list[Any]:
    """The nodes along ``path`` that hold a tuple on it: objects inside tuples are not
    linked to a parent, so an edit below a tuple must re-derive the tuple's holder too."""
    out: list[Any] = []
    node = root
    for key in path:
        child = nodes.get_child(node, key)
        if type(child) is tuple and type(node) is not tuple:
            out.append(node)
        node = child
    return out


def _with_path(e: ValidationError, path: KeyPath) -> ValidationError:
    e.path = KeyPath((*path, *(e.path or ())[1:])) if e.path else path
    e.args = (e._render(),)
    return e


def _store_meta(node: Any, key: Key, meta: Mapping[str, Any] | None) -> None:
    """Record how the value at ``key`` was written; a write without ``meta`` (by hand)
    replaces any earlier record with an empty one, so a rule's provenance is not kept for a
    value it no longer wrote. Per-key records are replaced, never updated in place: clones
    share them (``clone`` copies each node's outer dict only)."""
    if isinstance(node, (SymList, SymDict)):
        current = node._sym_meta
    else:
        st = state_of(node)
        if st is None:
            return
        current = st.meta
    if meta is None:
        if not current and not _meta_above(node):
            return  # nothing recorded here or above: nothing to clear (the common case)
        record: dict[str, Any] = {}
    else:
        record = {**(current or {}).get(key, {}), **meta}
    if current is None:
        current = {}
        if isinstance(node, (SymList, SymDict)):
            node._sym_meta = current
        else:
            st.meta = current
    current[key] = record  # the outer dict is this node's own; the record is new


def _meta_above(node: Any) -> bool:
    """Whether any ancestor of ``node`` holds a record (provenance falls back to those)."""
    cur = parent_of(node)
    while cur is not None:
        m = cur._sym_meta if isinstance(cur, (SymList, SymDict)) else getattr(state_of(cur), "meta", None)  # fmt: skip
        if m:
            return True
        cur = parent_of(cur)
    return False


def _set(
    node: Any,
    key: Key,
    value: Any,
    path: KeyPath,
    undo: list[tuple[Any, Key, Any, bool]],
    meta: Mapping[str, Any] | None,
    checked: dict[int, bool],
) -> None:
    nd = getattr(node, "__dict__", None)
    st = nd.get("_sym_") if nd is not None else None
    if type(st) is ObjState:
        if not isinstance(key, str):
            raise KeyPathError(f"{type(node).__qualname__} arguments are named, not indexed", path)
        schema = st.schema
        args = st.args
        if st.snap is STORED and id(node) not in checked:
            # Judged against the arguments it was built from, before they change.
            checked[id(node)] = intact(nd, args, schema.stores)
        old = args.get(key, _ABSENT)
        existed = old is not _ABSENT
        if not existed:
            old = None
        if value is MISSING:
            f = schema.fields.get(key)
            if f is not None and f.default is MISSING and f.fill_default:
                raise ValidationError(f"cannot delete required argument {key!r}", path)
            if f is not None and f.fill_default:
                new = f.default_value()
            else:
                if not existed:
                    raise KeyPathError(
                        f"{type(node).__qualname__} has no argument {key!r} to delete", path
                    )
                # The key order goes into the undo record: a restore puts the key back in place.
                undo.append((node, key, old, tuple(st.args)))  # type: ignore[arg-type]
                del st.args[key]
                nodes.detach(old)
                return
        else:
            try:
                new = schema.check_value(key, value)
            except ValidationError as e:
                raise _with_path(e, path) from None
        _put_arg(node, st, key, new, old, existed, undo, meta)
        return
    if isinstance(node, SymList):
        if not isinstance(key, int):
            raise KeyPathError(f"list index must be an int, got {key!r}", path)
        n = len(node)
        if value is MISSING:
            i = key + n if key < 0 else key
            if not 0 <= i < n:
                raise KeyPathError(f"list index {key} is out of range (length {n})", path)
            old = list.__getitem__(node, i)
            undo.append((node, i, old, "deleted"))  # type: ignore[arg-type]
            list.__delitem__(node, i)
            nodes.detach(old)
            node._shift_meta(i, -1)
            node._relink_from(i)
            return
        if isinstance(value, Insert) or key == n:
            raw = value.value if isinstance(value, Insert) else value
            i = max(0, min(n, key + n if key < 0 else key))
            try:
                new = nodes.check_item(node._sym_spec, raw, i)
            except ValidationError as e:
                raise _with_path(e, path) from None
            list.insert(node, i, nodes.attach(new, node, i))
            node._shift_meta(i, 1)
            node._relink_from(i + 1)
            undo.append((node, i, None, "inserted"))  # type: ignore[arg-type]
            _store_meta(node, i, meta)
            return
        i = key + n if key < 0 else key
        if not 0 <= i < n:
            raise KeyPathError(f"list index {key} is out of range (length {n})", path)
        try:
            new = nodes.check_item(node._sym_spec, value, i)
        except ValidationError as e:
            raise _with_path(e, path) from None
        old = list.__getitem__(node, i)
        undo.append((node, i, old, True))
        list.__setitem__(node, i, nodes.attach(new, node, i))
        if old is not new:
            nodes.detach(old)
        _store_meta(node, i, meta)
        return
    if isinstance(node, SymDict):
        if not isinstance(key, str):
            raise KeyPathError(f"dict keys are strings, got {key!r}", path)
        existed = key in node
        old = dict.get(node, key)
        if value is MISSING:
            if not existed:
                raise KeyPathError(f"no key {key!r} to delete", path)
            undo.append((node, key, old, True))
            dict.__delitem__(node, key)
            nodes.detach(old)
            return
        try:
            new = nodes.check_item(node._sym_spec, value, key)
        except ValidationError as e:
            raise _with_path(e, path) from None
        undo.append((node, key, old, existed))
        dict.__setitem__(node, key, nodes.attach(new, node, key))
        if existed and old is not new:
            nodes.detach(old)
        _store_meta(node, key, meta)
        return
    raise KeyPathError(
        f"cannot edit inside a {type(node).__name__}: it is not a symbolic value", path
    )


def _reorder(st: Any) -> None:
    """Put an object's arguments back in signature order (extra keywords last, in order)."""
    rank = {name: i for i, name in enumerate(st.schema.fields)}
    items = sorted(st.args.items(), key=lambda kv: rank.get(kv[0], len(rank)))
    st.args.clear()
    st.args.update(items)


def _raw_restore(node: Any, key: Key, old: Any, existed: Any) -> None:
    st = state_of(node)
    if st is not None:
        current = st.args.get(key)  # type: ignore[arg-type]
        if existed:
            readded = key not in st.args
            st.args[key] = old  # type: ignore[index]
            if readded and isinstance(existed, tuple):
                rank = {k: i for i, k in enumerate(existed)}
                items = sorted(st.args.items(), key=lambda kv: rank.get(kv[0], len(rank)))
                st.args.clear()
                st.args.update(items)
            elif readded:
                _reorder(st)
            nodes.relink(old, node, key)
        else:
            st.args.pop(key, None)  # type: ignore[arg-type]
        if current is not old:
            nodes.detach(current)
        return
    if isinstance(node, SymList):
        if existed == "inserted":
            nodes.detach(list.pop(node, key))  # type: ignore[arg-type]
            node._shift_meta(key, -1)  # type: ignore[arg-type]
            node._relink_from(key)  # type: ignore[arg-type]
        elif existed == "deleted":
            list.insert(node, key, old)  # type: ignore[arg-type]
            node._shift_meta(key, 1)  # type: ignore[arg-type]
            node._relink_from(key)  # type: ignore[arg-type]
        else:
            nodes.detach(list.__getitem__(node, key))
            list.__setitem__(node, key, old)
            nodes.relink(old, node, key)
        return
    if isinstance(node, SymDict):
        current = dict.get(node, key)
        if existed:
            dict.__setitem__(node, key, old)
            nodes.relink(old, node, key)
        else:
            dict.pop(node, key, None)
        if current is not old:
            nodes.detach(current)

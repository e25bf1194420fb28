"""Provenance: which rule, URI and chain position wrote a value.

A chain records a ``Provenance`` in the tree's metadata for every value it writes, so
``gl.provenance(obj, "model.layers[2].conv")`` answers "where did this come from?".
Values inside a written subtree inherit the provenance of the write. A record belongs to a
value in one tree: a copy (``clone``, ``patch`` returning a new tree) gets its own, and a
later edit replaces it (another rule) or clears it (``rebind`` by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graftlab.symbolic import nodes
from graftlab.symbolic.keypath import KeyPath

META_KEY = "provenance"


@dataclass(frozen=True)
class Provenance:
    """The rule that wrote a value: its name, URI, chain position and bound arguments."""

    rule: str
    uri: str
    position: int
    args: dict[str, Any] = field(default_factory=dict, compare=False)
    source: Any = field(default=None, compare=False)  # e.g. the span of the URI in a file

    def __str__(self) -> str:
        return f"{self.uri} (chain[{self.position}])"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "uri": self.uri, "position": self.position}
        if isinstance(self.source, tuple) and len(self.source) == 2:
            file, span = self.source
            out["file"] = str(file)
            out["line"] = getattr(span, "line", None)
            out["column"] = getattr(span, "column", -1) + 1
        return out


def carry_over(old: Any, new: Any) -> None:
    """When ``new`` replaces ``old``, arguments carried across unchanged keep their provenance."""
    old_meta = _meta(old)
    if not old_meta:
        return
    st = nodes.state_of(new)
    if st is None:
        return
    old_st = nodes.state_of(old)
    if old_st is None:
        return
    from graftlab.symbolic.equality import eq

    for key, entry in old_meta.items():
        if key is None or META_KEY not in entry or key not in st.args or key not in old_st.args:
            continue
        if eq(st.args[key], old_st.args[key]):
            if st.meta is None:
                st.meta = {}
            # a new record: records are shared between clones, never changed in place
            st.meta[key] = {META_KEY: entry[META_KEY], **st.meta.get(key, {})}


def _meta(node: Any) -> dict[Any, Any] | None:
    if isinstance(node, (nodes.SymList, nodes.SymDict)):
        return node._sym_meta
    st = nodes.state_of(node)
    return st.meta if st is not None else None


def provenance(root: Any, path: Any = "") -> Provenance | None:
    """The provenance of the value at ``path`` under ``root`` (or of its nearest written ancestor)."""
    kp = KeyPath.parse(path)
    chain = [root]
    node = root
    for key in kp:
        try:
            node = nodes.get_child(node, key)
        except KeyError:
            nodes.get(root, kp)  # raises KeyPathError, naming the missing step
            raise
        chain.append(node)
    for depth in range(len(kp), -1, -1):
        holder = chain[depth - 1] if depth > 0 else None
        key = kp[depth - 1] if depth > 0 else None
        meta = _meta(holder) if holder is not None else _meta(chain[0])
        entry = meta.get(key) if meta else None
        if entry is not None:
            # the nearest write decides: a rule's record, or none for an edit by hand
            return entry.get(META_KEY)  # type: ignore[no-any-return]
    return None


def provenances(root: Any) -> dict[KeyPath, Provenance]:
    """Every recorded write under ``root``: key path to provenance."""
    out: dict[KeyPath, Provenance] = {}
    meta = _meta(root)
    if meta and None in meta and META_KEY in meta[None]:
        out[KeyPath()] = meta[None][META_KEY]
    from graftlab.symbolic.query import walk

    for path, node in walk(root):
        m = _meta(node)
        if not m:
            continue
        for key, entry in m.items():
            if key is not None and META_KEY in entry:
                out[path.child(key)] = entry[META_KEY]
    return out

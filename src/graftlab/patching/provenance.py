"""Provenance: which rule, URI and chain position wrote a value.

A chain records a ``Provenance`` in the tree's metadata for every value it writes, so
``gl.provenance(obj, "model.layers[2].conv")`` answers "where did this come from?".
Values inside a written subtree inherit the provenance of the write.
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
        return {"rule": self.rule, "uri": self.uri, "position": self.position}


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
        node = nodes.get_child(node, key)
        chain.append(node)
    for depth in range(len(kp), -1, -1):
        holder = chain[depth - 1] if depth > 0 else None
        key = kp[depth - 1] if depth > 0 else None
        meta = _meta(holder) if holder is not None else _meta(chain[0])
        entry = meta.get(key) if meta else None
        if entry and META_KEY in entry:
            return entry[META_KEY]  # type: ignore[no-any-return]
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

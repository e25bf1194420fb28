"""Structural diff of symbolic trees, linear in their size.

Objects are compared argument by argument, dicts key by key; lists of equal length item by
item, and lists of different length are aligned on the items' symbolic hashes so that an
inserted layer shows as one addition rather than a cascade of changes. The result lists
``added``, ``removed``, ``changed`` and ``type_changed`` entries, each with its key path in
the left tree and in the right tree, renders as text and as JSON, and can be applied.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from graftlab.symbolic import nodes
from graftlab.symbolic.clone import clone
from graftlab.symbolic.equality import _as_list, eq, sym_hash
from graftlab.symbolic.formatting import format_value
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES, state_of
from graftlab.symbolic.rebind import Insert, apply_edits
from graftlab.symbolic.schema import MISSING

Kind = Literal["added", "removed", "changed", "type_changed"]


@dataclass(frozen=True)
class DiffEntry:
    """One difference. ``left_path`` is where it is in the old tree, ``right_path`` in the new."""

    kind: Kind
    left_path: KeyPath | None
    right_path: KeyPath | None
    old: Any = None
    new: Any = None

    @property
    def path(self) -> KeyPath:
        """The path to show: in the new tree, or in the old one for removals."""
        return self.right_path if self.right_path is not None else self.left_path  # type: ignore[return-value]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "path": str(self.path)}
        if (
            self.left_path is not None
            and self.right_path is not None
            and self.left_path != self.right_path
        ):
            out["left_path"] = str(self.left_path)
        if self.kind != "added":
            out["old"] = _json_value(self.old)
        if self.kind != "removed":
            out["new"] = _json_value(self.new)
        return out


def _json_value(v: Any) -> Any:
    if type(v) in (int, str, bool, type(None)):
        return v
    if type(v) is float:
        return v if v == v and v not in (float("inf"), float("-inf")) else format_value(v)
    return format_value(v, compact=True)


_SYMBOLS = {"added": "+", "removed": "-", "changed": "~", "type_changed": "±"}


@dataclass
class Diff:
    """The differences between two trees, in traversal order."""

    entries: list[DiffEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[DiffEntry]:
        return iter(self.entries)

    def by_kind(self, kind: Kind) -> list[DiffEntry]:
        return [e for e in self.entries if e.kind == kind]

    def to_text(self, width: int = 100) -> str:
        """One line per difference: ``~ path: old -> new``."""
        lines = []
        for e in self.entries:
            sym = _SYMBOLS[e.kind]
            if e.kind == "added":
                lines.append(f"{sym} {e.path}: {format_value(e.new, compact=True)}")
            elif e.kind == "removed":
                lines.append(f"{sym} {e.path}: {format_value(e.old, compact=True)}")
            else:
                lines.append(
                    f"{sym} {e.path}: {format_value(e.old, compact=True)} -> "
                    f"{format_value(e.new, compact=True)}"
                )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_json(self) -> list[dict[str, Any]]:
        return [e.to_json() for e in self.entries]

    def to_json_str(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_json(), indent=indent)

    def apply(self, left: Any, *, inplace: bool = False) -> Any:
        """``left`` with these changes made: ``diff(a, b).apply(a)`` equals ``b``."""
        tree = left if inplace else clone(left)
        changes = [e for e in self.entries if e.kind in ("changed", "type_changed")]
        apply_edits(tree, [(e.left_path, clone(e.new)) for e in changes])  # type: ignore[misc]
        removed = sorted(
            (e for e in self.entries if e.kind == "removed"),
            key=lambda e: _sort_key(e.left_path),  # type: ignore[arg-type]
            reverse=True,
        )
        for e in removed:
            apply_edits(tree, [(e.left_path, MISSING)])  # type: ignore[list-item]
        added = sorted(
            (e for e in self.entries if e.kind == "added"), key=lambda e: _sort_key(e.right_path)
        )  # type: ignore[arg-type]
        for e in added:
            assert e.right_path is not None
            holder = nodes.get(tree, e.right_path.parent)
            value = Insert(clone(e.new)) if isinstance(holder, list) else clone(e.new)
            apply_edits(tree, [(e.right_path, value)])
        return tree


def _sort_key(path: KeyPath) -> tuple[tuple[int, Any], ...]:
    return tuple((0, k) if isinstance(k, int) else (1, k) for k in path)


def diff(left: Any, right: Any) -> Diff:
    """The structural differences from ``left`` to ``right``."""
    out: list[DiffEntry] = []
    _diff(left, right, KeyPath(), KeyPath(), out)
    return Diff(out)


def _kind(v: Any) -> str:
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "dict"
    if state_of(v) is not None:
        return "object"
    return "leaf"


def _diff(a: Any, b: Any, lp: KeyPath, rp: KeyPath, out: list[DiffEntry]) -> None:
    if a is b:
        return
    ta, tb = type(a), type(b)
    if ta in LEAF_TYPES and tb in LEAF_TYPES:
        if not eq(a, b):
            out.append(
                DiffEntry(
                    "changed" if ta is tb or {ta, tb} <= {int, float} else "type_changed",
                    lp,
                    rp,
                    a,
                    b,
                )
            )
        return
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        out.append(DiffEntry("type_changed", lp, rp, a, b))
        return
    if ka == "object":
        if ta is not tb:
            out.append(DiffEntry("type_changed", lp, rp, a, b))
            return
        _diff_mapping(*_aligned_args(a, b), lp, rp, out)
    elif ka == "dict":
        _diff_mapping(a, b, lp, rp, out)
    elif ka == "list":
        _diff_list(a, b, lp, rp, out)
    elif not eq(a, b):
        out.append(DiffEntry("changed", lp, rp, a, b))


def _aligned_args(a: Any, b: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both objects' arguments; a tuple given for a ``list[T]`` argument compares like the
    list it stands for, as in ``eq``."""
    sa, sb = state_of(a), state_of(b)
    aa, ab = sa.args, sb.args  # type: ignore[union-attr]
    odd = [k for k, v in aa.items() if k in ab and (type(v) is tuple) is not (type(ab[k]) is tuple)]
    if not odd:
        return aa, ab
    aa, ab = dict(aa), dict(ab)
    for k in odd:
        aa[k], ab[k] = _as_list(sa.schema, k, aa[k]), _as_list(sa.schema, k, ab[k])  # type: ignore[union-attr]
    return aa, ab


def _diff_mapping(a: Any, b: Any, lp: KeyPath, rp: KeyPath, out: list[DiffEntry]) -> None:
    for k, v in dict.items(a) if isinstance(a, dict) else a.items():
        if k in b:
            _diff(v, b[k], lp.child(k), rp.child(k), out)
        else:
            out.append(DiffEntry("removed", lp.child(k), None, v, None))
    for k, v in b.items():
        if k not in a:
            out.append(DiffEntry("added", None, rp.child(k), None, v))


def _diff_list(a: list[Any], b: list[Any], lp: KeyPath, rp: KeyPath, out: list[DiffEntry]) -> None:
    la, lb = list(list.__iter__(a)), list(list.__iter__(b))
    if len(la) == len(lb):
        for i, (x, y) in enumerate(zip(la, lb, strict=True)):
            _diff(x, y, lp.child(i), rp.child(i), out)
        return
    ha = [sym_hash(x) for x in la]
    hb = [sym_hash(y) for y in lb]
    matcher = difflib.SequenceMatcher(None, ha, hb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                _diff(la[i1 + k], lb[j1 + k], lp.child(i1 + k), rp.child(j1 + k), out)
            continue
        paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
        for k in range(paired):
            _diff(la[i1 + k], lb[j1 + k], lp.child(i1 + k), rp.child(j1 + k), out)
        for i in range(i1 + paired, i2):
            out.append(DiffEntry("removed", lp.child(i), None, la[i], None))
        for j in range(j1 + paired, j2):
            out.append(DiffEntry("added", None, rp.child(j), None, lb[j]))

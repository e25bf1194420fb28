"""Structural diff of symbolic trees, linear in their size.

Objects are compared argument by argument, dicts key by key, and lists are aligned by a
minimal edit script (Myers' algorithm, as git's line diffs) over the items' structural
hashes, so that in a stack of identical blocks an inserted layer shows as one addition and
an edited one as one change, never a cascade. Within a run of edits, a removed and an added
item of the same type pair up as a change when that says it in no more entries. The result lists
``added``, ``removed``, ``changed`` and ``type_changed`` entries, each with its key path in
the left tree and in the right tree, renders as text and as JSON, and can be applied.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterator, Sequence
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
    ha = [sym_hash(x) for x in la]
    hb = [sym_hash(y) for y in lb]

    def same(x: Any, y: Any) -> bool:
        return type(x) is type(y) and _kind(x) == _kind(y)

    def sub(x: Any, y: Any, lpi: KeyPath, rpi: KeyPath) -> list[DiffEntry]:
        found: list[DiffEntry] = []
        _diff(x, y, lpi, rpi, found)
        return found

    diff_sequences(la, lb, ha, hb, lp, rp, out, sub, same, recurse_equal=True)


Opcode = tuple[str, int, int, int, int]


def align(
    a: Sequence[Hashable], b: Sequence[Hashable], max_edits: int | None = None
) -> list[Opcode] | None:
    """Opcodes (``equal``/``replace``/``delete``/``insert``, i1, i2, j1, j2) of a minimal edit
    script turning ``a`` into ``b`` (Myers' O((N+M)D) algorithm); ``None`` when it needs more
    than ``max_edits`` insertions and deletions (the caller then falls back)."""
    n, m = len(a), len(b)
    pre = 0
    while pre < n and pre < m and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < n - pre and suf < m - pre and a[n - 1 - suf] == b[m - 1 - suf]:
        suf += 1
    ma, mb = a[pre : n - suf], b[pre : m - suf]
    moves = _myers(ma, mb, max_edits)
    if moves is None:
        return None
    ops: list[Opcode] = []
    if pre:
        ops.append(("equal", 0, pre, 0, pre))
    i = j = 0
    k = 0
    while k < len(moves):
        if moves[k] == "=":
            start = k
            while k < len(moves) and moves[k] == "=":
                k += 1
            ops.append(("equal", pre + i, pre + i + k - start, pre + j, pre + j + k - start))
            i += k - start
            j += k - start
            continue
        di = dj = 0
        while k < len(moves) and moves[k] != "=":
            if moves[k] == "-":
                di += 1
            else:
                dj += 1
            k += 1
        tag = "replace" if di and dj else "delete" if di else "insert"
        ops.append((tag, pre + i, pre + i + di, pre + j, pre + j + dj))
        i += di
        j += dj
    if suf:
        ops.append(("equal", n - suf, n, m - suf, m))
    return ops


def _myers(a: Sequence[Hashable], b: Sequence[Hashable], max_edits: int | None) -> list[str] | None:
    """The moves (``=``, ``-``, ``+``) of a shortest edit script, or None past ``max_edits``."""
    n, m = len(a), len(b)
    limit = n + m if max_edits is None else min(n + m, max_edits)
    v = {1: 0}
    trace: list[dict[int, int]] = []
    for d in range(limit + 1):
        trace.append(dict(v))
        for k in range(-d, d + 1, 2):
            down = k == -d or (k != d and v[k - 1] < v[k + 1])  # an insertion, else a deletion
            x = v[k + 1] if down else v[k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x += 1
                y += 1
            v[k] = x
            if x >= n and y >= m:
                return _backtrack(trace, n, m)
    return None


def _backtrack(trace: list[dict[int, int]], n: int, m: int) -> list[str]:
    moves: list[str] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        v = trace[d]
        k = x - y
        down = k == -d or (k != d and v[k - 1] < v[k + 1])
        pk = k + 1 if down else k - 1
        px = v[pk]
        py = px - pk
        while x > px and y > py:
            moves.append("=")
            x -= 1
            y -= 1
        moves.append("+" if down else "-")
        x, y = px, py
    while x > 0 and y > 0:
        moves.append("=")
        x -= 1
        y -= 1
    moves.reverse()
    return moves


def _opcodes(ha: Sequence[Hashable], hb: Sequence[Hashable]) -> list[Opcode]:
    """Aligned opcodes: a minimal edit script, or for a large one a cheaper approximation."""
    budget = max(64, 2_000_000 // max(1, len(ha) + len(hb)))
    ops = align(ha, hb, budget)
    if ops is not None:
        return ops
    if len(ha) == len(hb):  # many edits: position by position
        return [("replace", 0, len(ha), 0, len(hb))]
    matcher = difflib.SequenceMatcher(None, list(ha), list(hb), autojunk=False)
    return list(matcher.get_opcodes())  # type: ignore[arg-type]


Sub = Callable[[Any, Any, KeyPath, KeyPath], list[DiffEntry]]


def diff_sequences(
    la: Sequence[Any],
    lb: Sequence[Any],
    ha: Sequence[Hashable],
    hb: Sequence[Hashable],
    lp: KeyPath,
    rp: KeyPath,
    out: list[DiffEntry],
    sub: Sub,
    same: Callable[[Any, Any], bool],
    *,
    kind: Callable[[Any], Hashable] = type,
    recurse_equal: bool = False,
) -> None:
    """Entries for two lists aligned on item keys ``ha``/``hb`` (shared by ``gl.diff`` and the
    JSON diff of review). ``sub`` diffs two items; ``same`` says whether two may pair up;
    ``kind`` groups items that may pair (their type)."""
    blocks = [[i1, i2, j1, j2] for op, i1, i2, j1, j2 in _opcodes(ha, hb) if op != "equal"]
    _slide(blocks, la, lb, ha, hb, kind)
    i = j = 0
    for i1, i2, j1, j2 in [*_regions(blocks), [len(la), len(la), len(lb), len(lb)]]:
        if recurse_equal:
            for k in range(i1 - i):
                out.extend(sub(la[i + k], lb[j + k], lp.child(i + k), rp.child(j + k)))
        if i1 < i2 or j1 < j2:
            if (i2 - i1) * (j2 - j1) <= REGION_CELLS:
                _region(la, lb, ha, hb, i1, i2, j1, j2, lp, rp, out, sub, same, recurse_equal)
            else:
                _hunk(la, lb, i1, i2, j1, j2, lp, rp, out, sub, same)
        i, j = i2, j2


REGION_GAP = 32  # edit blocks closer than this are aligned together, exactly
REGION_CELLS = 40_000  # the largest region aligned exactly (cells of its table)


def _regions(blocks: list[list[int]]) -> list[list[int]]:
    """Edit blocks grouped when fewer than ``REGION_GAP`` equal items separate them."""
    out: list[list[int]] = []
    for b in blocks:
        if out and b[0] - out[-1][1] < REGION_GAP:
            out[-1] = [out[-1][0], b[1], out[-1][2], b[3]]
        else:
            out.append(list(b))
    return out


def _region(
    la: Sequence[Any],
    lb: Sequence[Any],
    ha: Sequence[Hashable],
    hb: Sequence[Hashable],
    i1: int,
    i2: int,
    j1: int,
    j2: int,
    lp: KeyPath,
    rp: KeyPath,
    out: list[DiffEntry],
    sub: Sub,
    same: Callable[[Any, Any], bool],
    recurse_equal: bool,
) -> None:
    """The fewest entries for a region: an alignment where a removal or an addition costs
    one entry, an equal item none, and a pair of items the entries of their own diff (paired
    only when that is at most two, the cost of a removal and an addition)."""
    n, m = i2 - i1, j2 - j1
    subs: dict[tuple[int, int], tuple[int, list[DiffEntry]] | None] = {}

    # Cost: the number of entries first (``unit`` each); among alignments of as many
    # entries, one that pairs items of the same type (says "width changed") wins over a type
    # change, which wins over a removal and an addition.
    unit = 4 * (n + m + 1)

    def pair(i: int, j: int) -> tuple[int, list[DiffEntry]] | None:
        """(cost, entries) of pairing two items (None: they do not pair)."""
        key = (i, j)
        if key not in subs:
            x, y = la[i1 + i], lb[j1 + j]
            entries = sub(x, y, lp.child(i1 + i), rp.child(j1 + j))
            if same(x, y):
                subs[key] = (unit * len(entries), entries) if len(entries) <= 2 else None
            else:
                subs[key] = (unit + 3, entries) if len(entries) == 1 else None
        return subs[key]

    step = unit + 1
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 or j == 0:
                cost[i][j] = step * (i + j)
                continue
            best = min(cost[i - 1][j], cost[i][j - 1]) + step
            if ha[i1 + i - 1] == hb[j1 + j - 1]:
                best = min(best, cost[i - 1][j - 1])
            elif best > cost[i - 1][j - 1]:
                p = pair(i - 1, j - 1)
                if p is not None:
                    best = min(best, cost[i - 1][j - 1] + p[0])
            cost[i][j] = best
    steps: list[tuple[str, int, int]] = []
    i, j = n, m
    while i or j:
        if i and j and ha[i1 + i - 1] == hb[j1 + j - 1] and cost[i][j] == cost[i - 1][j - 1]:
            steps.append(("=", i - 1, j - 1))
            i, j = i - 1, j - 1
            continue
        if i and j:
            p = subs.get((i - 1, j - 1))
            if p is not None and cost[i][j] == cost[i - 1][j - 1] + p[0]:
                steps.append(("~", i - 1, j - 1))
                i, j = i - 1, j - 1
                continue
        if j and cost[i][j] == cost[i][j - 1] + step:
            steps.append(("+", i, j - 1))
            j -= 1
        else:
            steps.append(("-", i - 1, j))
            i -= 1
    for op, i, j in reversed(steps):
        if op == "=":
            if recurse_equal:
                out.extend(sub(la[i1 + i], lb[j1 + j], lp.child(i1 + i), rp.child(j1 + j)))
        elif op == "~":
            found = subs[(i, j)]
            out.extend(found[1] if found else [])
        elif op == "-":
            out.append(DiffEntry("removed", lp.child(i1 + i), None, la[i1 + i], None))
        else:
            out.append(DiffEntry("added", None, rp.child(j1 + j), None, lb[j1 + j]))


def _slide(
    blocks: list[list[int]],
    la: Sequence[Any],
    lb: Sequence[Any],
    ha: Sequence[Hashable],
    hb: Sequence[Hashable],
    kind: Callable[[Any], Hashable],
) -> None:
    """Move a removed (or added) item along a run of identical items to the edit block where
    an added (removed) item of its type waits, so the two pair up as one change.

    Many minimal edit scripts exist in a stack of identical blocks; this picks the one that
    keeps an edited block's removal and addition together (git's diff slides hunks too).
    """

    def excess(b: list[int], side: str) -> Counter[Hashable]:
        dels = Counter(kind(x) for x in la[b[0] : b[1]])
        ins = Counter(kind(y) for y in lb[b[2] : b[3]])
        return dels - ins if side == "-" else ins - dels

    changed = True
    rounds = 0
    while changed and rounds < 4 * len(blocks) + 4:
        changed = False
        rounds += 1
        for k in range(len(blocks) - 1):
            up, down = blocks[k], blocks[k + 1]
            for side, lo, hi, items, keys in (("-", 0, 1, la, ha), ("+", 2, 3, lb, hb)):
                gap = range(up[hi], down[lo])
                # the last item of the upper block slides down into the lower one
                if up[lo] < up[hi]:
                    x = up[hi] - 1
                    t = kind(items[x])
                    if (
                        excess(up, side)[t] > 0
                        and excess(down, "+" if side == "-" else "-")[t] > 0
                        and all(keys[g] == keys[x] for g in gap)
                    ):
                        up[hi] -= 1
                        down[lo] -= 1
                        changed = True
                        continue
                # the first item of the lower block slides up into the upper one
                if down[lo] < down[hi]:
                    x = down[lo]
                    t = kind(items[x])
                    if (
                        excess(down, side)[t] > 0
                        and excess(up, "+" if side == "-" else "-")[t] > 0
                        and all(keys[g] == keys[x] for g in gap)
                    ):
                        up[hi] += 1
                        down[lo] += 1
                        changed = True
        blocks[:] = [b for b in blocks if b[0] < b[1] or b[2] < b[3]]


def _hunk(
    la: Sequence[Any],
    lb: Sequence[Any],
    i1: int,
    i2: int,
    j1: int,
    j2: int,
    lp: KeyPath,
    rp: KeyPath,
    out: list[DiffEntry],
    sub: Sub,
    same: Callable[[Any, Any], bool],
) -> None:
    """One run of edits: pair removed and added items in order where a pair says it shorter."""
    pairs: dict[int, tuple[int, list[DiffEntry]]] = {}
    positional = i2 - i1 == j2 - j1  # a replacement: item by item, types may differ
    if positional:
        candidates = [[j1 + (i - i1)] for i in range(i1, i2)]
    else:
        candidates = [list(range(j1, j2)) for _ in range(i1, i2)]
    low = j1
    for n, i in enumerate(range(i1, i2)):
        best: tuple[int, list[DiffEntry]] | None = None
        for j in candidates[n][:16]:
            if j < low or not (positional or same(la[i], lb[j])):
                continue
            entries = sub(la[i], lb[j], lp.child(i), rp.child(j))
            if len(entries) <= 2 and (best is None or len(entries) < len(best[1])):
                best = (j, entries)
                if len(entries) <= 1:
                    break
        if best is not None:
            pairs[i] = best
            low = best[0] + 1
    paired_right = {j for j, _ in pairs.values()}
    j = j1
    for i in range(i1, i2):
        if i in pairs:
            pj, entries = pairs[i]
            while j < pj:
                if j not in paired_right:
                    out.append(DiffEntry("added", None, rp.child(j), None, lb[j]))
                j += 1
            out.extend(entries)
            j = pj + 1
        else:
            out.append(DiffEntry("removed", lp.child(i), None, la[i], None))
    for jj in range(j, j2):
        if jj not in paired_right:
            out.append(DiffEntry("added", None, rp.child(jj), None, lb[jj]))

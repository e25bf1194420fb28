"""Semantic diffs of experiments stored as graftlab JSON (from any revision or run record).

Two revisions may define different classes, so review compares the JSON form: objects
(``{"__type__": ...}``) argument by argument, lists aligned by a minimal edit script like ``gl.diff``, and values
rendered back as readable expressions (``Conv(features=32)``).
"""

from __future__ import annotations

import json
from typing import Any

from graftlab.io.json_format import CLASS, DICT, ENUM, FLOAT, TUPLE, TYPE
from graftlab.symbolic.diff import Diff, DiffEntry, diff_sequences
from graftlab.symbolic.keypath import KeyPath


def render(value: Any, limit: int = 120) -> str:
    """A JSON value as a short Python-like expression."""
    text = _render(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(v: Any) -> str:
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if v is None or isinstance(v, (bool, int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_render(x) for x in v) + "]"
    if isinstance(v, dict):
        if TYPE in v:
            name = str(v[TYPE]).rsplit(".", 1)[-1]
            return (
                name + "(" + ", ".join(f"{k}={_render(x)}" for k, x in v.items() if k != TYPE) + ")"
            )
        if TUPLE in v:
            items = [_render(x) for x in v[TUPLE]]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if ENUM in v:
            return f"{str(v[ENUM]).rsplit('.', 1)[-1]}.{v.get('name')}"
        if CLASS in v:
            return str(v[CLASS]).rsplit(".", 1)[-1]
        if FLOAT in v:
            return f'float("{v[FLOAT]}")'
        body = v.get(DICT, v) if len(v) == 1 and DICT in v else v
        return "{" + ", ".join(f"{json.dumps(k)}: {_render(x)}" for k, x in body.items()) + "}"
    return repr(v)


def _kind(v: Any) -> str:
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        if TYPE in v:
            return "object"
        if any(m in v for m in (TUPLE, ENUM, CLASS, FLOAT)):
            return "leaf"
        return "dict"
    return "leaf"


def json_diff(a: Any, b: Any) -> Diff:
    """The differences from JSON value ``a`` to ``b`` (paths as in the symbolic trees)."""
    out: list[DiffEntry] = []
    _diff(a, b, KeyPath(), KeyPath(), out)
    return Diff(out)


def _diff(a: Any, b: Any, lp: KeyPath, rp: KeyPath, out: list[DiffEntry]) -> None:
    if a == b and type(a) is type(b):
        return
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        out.append(DiffEntry("type_changed", lp, rp, a, b))
        return
    if ka == "object":
        if a[TYPE] != b[TYPE]:
            out.append(DiffEntry("type_changed", lp, rp, a, b))
            return
        _mapping(
            {k: v for k, v in a.items() if k != TYPE},
            {k: v for k, v in b.items() if k != TYPE},
            lp,
            rp,
            out,
        )
    elif ka == "dict":
        _mapping(
            a.get(DICT, a) if DICT in a else a, b.get(DICT, b) if DICT in b else b, lp, rp, out
        )
    elif ka == "list":
        _list(a, b, lp, rp, out)
    else:
        kind = (
            "changed"
            if type(a) is type(b) or {type(a), type(b)} <= {int, float}
            else "type_changed"
        )
        out.append(DiffEntry(kind, lp, rp, a, b))


def _mapping(
    a: dict[str, Any], b: dict[str, Any], lp: KeyPath, rp: KeyPath, out: list[DiffEntry]
) -> None:
    for k, v in a.items():
        if k in b:
            _diff(v, b[k], lp.child(k), rp.child(k), out)
        else:
            out.append(DiffEntry("removed", lp.child(k), None, v, None))
    for k, v in b.items():
        if k not in a:
            out.append(DiffEntry("added", None, rp.child(k), None, v))


def _list(a: list[Any], b: list[Any], lp: KeyPath, rp: KeyPath, out: list[DiffEntry]) -> None:
    ha = [json.dumps(x, sort_keys=True) for x in a]
    hb = [json.dumps(y, sort_keys=True) for y in b]

    def same(x: Any, y: Any) -> bool:
        kx, ky = _kind(x), _kind(y)
        return kx == ky and (kx != "object" or x[TYPE] == y[TYPE])

    def sub(x: Any, y: Any, lpi: KeyPath, rpi: KeyPath) -> list[DiffEntry]:
        found: list[DiffEntry] = []
        _diff(x, y, lpi, rpi, found)
        return found

    def kind(x: Any) -> str:
        k = _kind(x)
        return str(x[TYPE]) if k == "object" else k

    diff_sequences(a, b, ha, hb, lp, rp, out, sub, same, kind=kind)


def entry_json(e: DiffEntry, provenance: dict[str, Any] | None = None) -> dict[str, Any]:
    """A diff entry as JSON, with the provenance of its new value when known."""
    out: dict[str, Any] = {"kind": e.kind, "path": str(e.path)}
    if e.kind != "added":
        out["old"] = render(e.old, 10_000)
    if e.kind != "removed":
        out["new"] = render(e.new, 10_000)
    prov = (
        provenance_for(provenance, e.path)
        if provenance is not None and e.right_path is not None
        else None
    )
    if prov is not None:
        out["set_by"] = prov
    return out


def provenance_for(provenance: dict[str, Any] | None, path: KeyPath) -> dict[str, Any] | None:
    """The provenance of ``path`` or of its nearest written ancestor."""
    if not provenance:
        return None
    kp = KeyPath(path)
    while True:
        hit = provenance.get(str(kp))
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        if not kp:
            return None
        kp = kp.parent

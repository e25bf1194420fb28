"""``materialize(template, decisions)``: the plain experiment a point of the space stands for.

Hyper values are replaced by what the decisions chose; objects that held choices are
constructed for real (their validation and ``__init__`` run now); fixed sub-trees are
copied. In a derived experiment's patch list a ``None`` choice drops the entry and a
``manyof`` of patches splices its picks into the chain; ``uri(...)`` becomes a URI string.
Every decision must be given, and only active ones: a wrong or missing decision is a
``DecisionError`` naming it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from graftlab.hyper.errors import DecisionError
from graftlab.hyper.primitives import floatv, intv, manyof, oneof, uri
from graftlab.hyper.space import Decision, Space, decision_name
from graftlab.symbolic import nodes, placeholder
from graftlab.symbolic.build import construct
from graftlab.symbolic.clone import clone
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES, SymDict, SymList


def check_decisions(space: Space, decisions: dict[str, Any]) -> dict[str, Any]:
    """Validate ``decisions`` against ``space``; returns them normalized (ints, floats, lists)."""
    if not isinstance(decisions, dict):
        raise DecisionError(f"decisions must be a mapping of name to value, got {decisions!r}")
    out: dict[str, Any] = {}
    for k in decisions:
        if k not in space.by_name:
            import difflib

            close = difflib.get_close_matches(k, list(space.by_name), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise DecisionError(
                f"unknown decision {k!r}{hint} (decisions: {', '.join(space.by_name) or 'none'})"
            )
    active = space.active(decisions)
    for d in active:
        if d.name not in decisions:
            names = ", ".join(x.name for x in active)
            raise DecisionError(
                f"no value for decision {d.name!r} ({d.describe()}); needed: {names}"
            )
        out[d.name] = check_value(d, decisions[d.name])
    extra = [k for k in decisions if k not in out]
    for k in extra:
        d2 = space.by_name[k]
        cond = d2.condition
        chosen = decisions.get(cond[0]) if cond else None
        raise DecisionError(
            f"decision {k!r} is not active: it applies when {cond[0]!r} is {cond[1]}"
            f" (it is {chosen})"
            if cond
            else f"decision {k!r} is not active"
        )
    return out


def check_value(d: Decision, v: Any) -> Any:
    """One decision's value, checked and normalized."""
    bad = f"decision {d.name!r} ({d.describe()})"
    if d.kind == "oneof":
        if type(v) is not int or not 0 <= v < d.n:
            raise DecisionError(f"{bad}: expected a candidate index 0..{d.n - 1}, got {v!r}")
        return v
    if d.kind == "manyof":
        if not isinstance(v, (list, tuple)) or len(v) != d.k:
            raise DecisionError(f"{bad}: expected a list of {d.k} candidate indices, got {v!r}")
        picks = list(v)
        for x in picks:
            if type(x) is not int or not 0 <= x < d.n:
                raise DecisionError(f"{bad}: index {x!r} is not in 0..{d.n - 1}")
        if d.distinct and len(set(picks)) != len(picks):
            raise DecisionError(f"{bad}: indices must be distinct, got {picks}")
        if d.sorted and picks != sorted(picks):
            raise DecisionError(f"{bad}: indices must be in increasing order, got {picks}")
        return picks
    if d.kind == "int":
        if type(v) is float and v.is_integer():
            v = int(v)
        if type(v) is not int or not d.lo <= v <= d.hi:
            raise DecisionError(f"{bad}: expected an int in [{int(d.lo)}, {int(d.hi)}], got {v!r}")
        return v
    if type(v) is int:
        v = float(v)
    if type(v) is not float or math.isnan(v) or not d.lo <= v <= d.hi:
        raise DecisionError(f"{bad}: expected a float in [{d.lo:g}, {d.hi:g}], got {v!r}")
    return v


class _Materializer:
    def __init__(self, space: Space, decisions: dict[str, Any]) -> None:
        self.space = space
        self.decisions = decisions

    def value(self, v: Any, path: KeyPath, scope: tuple[str, int, KeyPath] | None) -> Any:
        t = type(v)
        if t in LEAF_TYPES:
            return v
        if t in placeholder.TYPES:
            return self.hyper(v, path, scope)
        if t is list or t is SymList:
            return [self.value(x, path.child(i), scope) for i, x in enumerate(v)]
        if t is tuple:
            return tuple(self.value(x, path.child(i), scope) for i, x in enumerate(v))
        if t is dict or t is SymDict:
            return {k: self.value(x, path.child(k), scope) for k, x in dict.items(v)}
        st = nodes.state_of(v)
        if st is None:
            return v
        if placeholder.TEMPLATE_KEY not in v.__dict__:
            return clone(v)
        args = {k: self.value(a, path.child(k), scope) for k, a in st.args.items()}
        if _is_derived(v):
            args["patches"] = _chain(args.get("patches", []))
        return construct(type(v), args, runtime=st.runtime)

    def hyper(self, v: Any, path: KeyPath, scope: tuple[str, int, KeyPath] | None) -> Any:
        t = type(v)
        args = v.__dict__["_sym_"].args
        if t is uri:
            from graftlab.patching.uri import format_uri

            values = {
                k: self.value(a, path.child(k), scope) for k, a in args.items() if k != "rule"
            }
            return format_uri(args["rule"], values)
        name = decision_name(v, path, scope)
        chosen = self.decisions[name]
        if t is floatv or t is intv:
            return chosen
        cands = args["candidates"]
        base = path.child("candidates")
        if t is manyof:
            return [clone(cands[i]) for i in chosen]
        assert t is oneof
        return self.value(cands[chosen], base.child(chosen), (name, chosen, base.child(chosen)))


def _is_derived(v: Any) -> bool:
    from graftlab.patching.derived import Derived

    return type(v) is Derived


def _chain(patches: Any) -> list[Any]:
    out: list[Any] = []
    for p in patches:
        if p is None:
            continue
        if isinstance(p, list):  # a manyof's picks, or a candidate that is a list of patches
            out.extend(_chain(p))
        else:
            out.append(p)
    return out


def materialize(
    template: Any, decisions: dict[str, Any], *, space: Space | None = None, apply: bool = True
) -> Any:
    """The plain experiment that ``decisions`` pick from ``template``.

    ``decisions`` maps each active decision's name to its value (see ``Space``). A derived
    experiment comes back with its patch chain applied (``apply=False``: the ``Derived``
    as it would be written); its base is found next to the file the template was loaded
    from.
    """
    space = space if space is not None else Space(template)
    decisions = check_decisions(space, decisions)
    out = _Materializer(space, decisions).value(template, KeyPath(), None)
    if apply and _is_derived(out):
        return apply_derived(out, template)
    return out


def apply_derived(derived: Any, template: Any) -> Any:
    """Load the base of a materialized ``Derived`` and apply its chain."""
    from graftlab.io.loader import loads_file
    from graftlab.io.spans import source_map
    from graftlab.io.writer import dumps

    smap = source_map(template)
    file = smap.file if smap is not None and smap.file and not smap.file.startswith("<") else None
    base_dir = Path(file).parent if file else Path.cwd()
    text = dumps(derived)
    return loads_file(text, file=f"<{file or 'experiment'} with decisions>", base_dir=base_dir).get(
        "experiment"
    )

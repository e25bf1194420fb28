"""Search spaces in the editor: completion inside ``oneof([...])`` / ``manyof(k, [...])`` and
static checks of hyper values (``oneof``, ``manyof``, ``floatv``, ``intv``) against the
argument they stand for, with positions.

Completion: a candidate list stands where the argument's value stands, so the frames of the
hyper call are skipped and the argument's values are offered (its choices, the classes its
type accepts, patch URIs in a chain). Checks (from the static index, nothing imported):
``lo <= hi``; a log scale needs ``lo > 0``; ``intv`` bounds are ints; bounds and candidates
inside the argument's range; each candidate of the argument's type (numbers, strings,
``Literal`` and enum choices, classes); ``manyof`` can pick ``k`` distinct candidates.
"""

from __future__ import annotations

import math
import re
from typing import Any

from graftlab.io.syntax import CallE, DottedE, Expr, ListE, Lit, NameE, TupleE
from graftlab_lsp import context as ctxmod
from graftlab_lsp.model import Diag, span_diag
from graftlab_lsp.names import resolve_name

HYPER = {
    "graftlab.hyper.primitives.oneof": "oneof",
    "graftlab.hyper.primitives.manyof": "manyof",
    "graftlab.hyper.primitives.floatv": "floatv",
    "graftlab.hyper.primitives.intv": "intv",
}
# where each call's candidate list stands among its positional arguments
_CANDIDATES = {"oneof": 0, "manyof": 1}
_BOUND = re.compile(r"(>=|<=|>|<)\s*(-?[0-9][0-9_.eE+-]*)")


def hyper_kind(index: Any, text: str, callee: str | None) -> str | None:
    """``"oneof"``, ``"manyof"``, ``"floatv"`` or ``"intv"`` if ``callee`` names one."""
    if not callee or index is None:
        return None
    info = resolve_name(index, text, callee)
    return HYPER.get(info.qualname) if info is not None else None


def outside_candidates(index: Any, text: str, frames: list[ctxmod.Frame]) -> list[ctxmod.Frame]:
    """The frames around the cursor with every ``oneof([``/``manyof(k, [`` it sits in (as a
    candidate) removed: what remains is where the candidates' value stands."""
    while (
        len(frames) >= 2
        and frames[0].bracket == "["
        and frames[1].bracket == "("
        and frames[1].callee
        and frames[1].keyword is None
    ):
        kind = hyper_kind(index, text, frames[1].callee)
        if kind not in _CANDIDATES or frames[1].positional != _CANDIDATES[kind]:
            break
        frames = frames[2:]
    return frames


# -- checks ------------------------------------------------------------------------------------


def _number(e: Expr) -> float | int | None:
    """A literal number (``-3`` included), else None."""
    if isinstance(e, Lit) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool):
        return e.value
    return None


def bounds(type_: str) -> list[tuple[str, float]]:
    """The bounds a type description carries (``int, >= 1 and <= 4096`` -> ``>= 1``, ``<= 4096``)."""
    _head, sep, rest = type_.partition(", ")
    if not sep:
        return []
    out = []
    for op, num in _BOUND.findall(rest):
        try:
            out.append((op, float(num)))
        except ValueError:
            continue
    return out


def _outside(value: float, limits: list[tuple[str, float]]) -> str | None:
    for op, limit in limits:
        ok = {
            ">=": value >= limit,
            ">": value > limit,
            "<=": value <= limit,
            "<": value < limit,
        }[op]
        if not ok:
            shown = int(limit) if limit == int(limit) else limit
            return f"{op} {shown}"
    return None


def _base_type(type_: str) -> str:
    return type_.split(", ", 1)[0].strip()


def candidate_problem(
    index: Any, text: str, arg: Any, e: Expr, table: dict[str, Any]
) -> str | None:
    """Why a value (a candidate, or a bound) cannot stand for ``arg``, or None."""
    base = _base_type(arg.type)
    if isinstance(e, Lit) and e.value is None:
        ok = "None" in base.split(" | ") or base.startswith("Optional[") or base in ("Any", "")
        return None if ok else f"None is not a {base}"
    if arg.choices and isinstance(e, Lit) and isinstance(e.value, str):
        options = [c[1:-1] for c in arg.choices if len(c) >= 2 and c[0] == c[-1] and c[0] in "'\""]
        if options and len(options) == len(arg.choices) and e.value not in options:
            return f"expected one of {', '.join(repr(o) for o in options)}, got {e.value!r}"
        return None
    if arg.choices and isinstance(e, DottedE) and len(e.parts) == 2:
        local, member = e.parts
        origin = table.get(local)
        enum = origin[1] if origin is not None and origin[1] else local
        members = [c.split(".", 1)[1] for c in arg.choices if c.startswith(enum + ".")]
        if members and member not in members:
            return f"{local} has no member {member!r} (members: {', '.join(members)})"
        return None
    if isinstance(e, Lit) and base in ("int", "float", "str", "bool"):
        v = e.value
        expected = {
            "int": isinstance(v, int) and not isinstance(v, bool),
            "float": isinstance(v, (int, float)) and not isinstance(v, bool),
            "str": isinstance(v, str),
            "bool": isinstance(v, bool),
        }[base]
        if not expected:
            return f"expected {base}, got {v!r}"
        if base in ("int", "float"):
            out = _outside(float(v), bounds(arg.type))
            if out is not None:
                return f"{v!r} is outside the argument's range (must be {out})"
        return None
    if isinstance(e, CallE) and arg.classes and index is not None:
        callee = e.callee
        dotted = callee.name if isinstance(callee, NameE) else ".".join(callee.parts)
        info = resolve_name(index, text, dotted)
        if info is None or info.qualname in HYPER:
            return None
        allowed = set(arg.classes)
        for q in list(arg.classes):
            allowed |= {s.qualname for s in index.subclasses(q)}
        if info.qualname not in allowed and info.returns not in allowed:
            return f"{info.name} is not a {base}"
    return None


def check_hyper(
    index: Any, text: str, arg: Any, value: Expr, table: dict[str, Any], element: bool = False
) -> list[Diag]:
    """Diagnostics of a hyper value that stands for ``arg`` (nothing if ``value`` is none)."""
    if not isinstance(value, CallE):
        return []
    callee = value.callee
    dotted = callee.name if isinstance(callee, NameE) else ".".join(callee.parts)
    kind = hyper_kind(index, text, dotted)
    if kind is None:
        return []
    if kind in ("floatv", "intv"):
        return _check_range(kind, arg, value)
    return _check_choices(index, text, kind, arg, value, table, element)


def _element_arg(arg: Any) -> Any:
    """For ``list[X]``: an argument of type ``X`` (what each element must be)."""
    base = _base_type(arg.type)
    m = re.match(r"(?:list|List|Sequence|tuple)\[(.+)\]\Z", base)
    if m is None:
        return None
    inner = m.group(1).split(",")[0].strip() if base.startswith("tuple") else m.group(1)
    return type(arg)(
        name=arg.name,
        kind=arg.kind,
        type=inner,
        required=arg.required,
        choices=list(arg.choices),
        classes=list(arg.classes),
    )


def _check_choices(
    index: Any,
    text: str,
    kind: str,
    arg: Any,
    call: CallE,
    table: dict[str, Any],
    element: bool,
) -> list[Diag]:
    out: list[Diag] = []
    at = _CANDIDATES[kind]
    if len(call.args) <= at or not isinstance(call.args[at], (ListE, TupleE)):
        return out
    items = call.args[at].items  # type: ignore[attr-defined]
    target = arg
    if kind == "manyof" or element:
        target = _element_arg(arg)  # manyof picks list elements
        if target is None:
            return out
        k = _number(call.args[0])
        distinct = next(
            (kw.value for kw in call.kwargs if kw.name == "distinct"), Lit(span=None, value=True)
        )
        if (
            kind == "manyof"
            and isinstance(k, int)
            and isinstance(distinct, Lit)
            and distinct.value is not False
            and k > len(items)
        ):
            out.append(
                span_diag(
                    call.args[0].span,
                    f"manyof: cannot pick {k} distinct values from {len(items)} candidates",
                    code="search-space",
                )
            )
    if not items:
        out.append(
            span_diag(call.span, f"{kind} needs at least one candidate", code="search-space")
        )
    for i, item in enumerate(items):
        nested = check_hyper(index, text, target, item, table)
        if nested:
            out += nested
            continue
        problem = candidate_problem(index, text, target, item, table)
        if problem is not None:
            out.append(
                span_diag(
                    item.span,
                    f"candidate {i} of {kind} cannot stand for {arg.name!r}: {problem}",
                    code="search-space",
                )
            )
    return out


def _check_range(kind: str, arg: Any, call: CallE) -> list[Diag]:
    out: list[Diag] = []
    if len(call.args) < 2:
        return out
    lo_e, hi_e = call.args[0], call.args[1]
    lo, hi = _number(lo_e), _number(hi_e)
    for name, e, v in (("lo", lo_e, lo), ("hi", hi_e, hi)):
        if not isinstance(e, Lit):
            continue
        if v is None:
            out.append(
                span_diag(
                    e.span, f"{kind}: {name} must be a number, got {e.value!r}", code="search-space"
                )
            )
        elif kind == "intv" and not isinstance(v, int):
            out.append(
                span_diag(e.span, f"intv: {name} must be an int, got {v!r}", code="search-space")
            )
        elif kind == "floatv" and not math.isfinite(v):
            out.append(
                span_diag(e.span, f"floatv: {name} must be finite, got {v!r}", code="search-space")
            )
    if lo is not None and hi is not None:
        if lo > hi:
            out.append(
                span_diag(
                    call.span, f"{kind}: need lo <= hi, got {lo!r} and {hi!r}", code="search-space"
                )
            )
        elif lo == hi:
            d = span_diag(
                call.span, f"{kind}: lo == hi ({lo!r}): a range of one value", code="search-space"
            )
            d.severity = "warning"
            out.append(d)
    scale = next((kw for kw in call.kwargs if kw.name == "scale"), None)
    if kind == "floatv" and scale is not None and isinstance(scale.value, Lit):
        if scale.value.value not in ("linear", "log"):
            out.append(
                span_diag(
                    scale.value.span,
                    f"floatv: scale must be 'linear' or 'log', got {scale.value.value!r}",
                    code="search-space",
                )
            )
        elif scale.value.value == "log" and lo is not None and lo <= 0:
            out.append(
                span_diag(
                    lo_e.span, f"floatv: a log scale needs lo > 0, got {lo!r}", code="search-space"
                )
            )
    if arg is not None:
        base = _base_type(arg.type)
        if kind == "floatv" and base == "int":
            out.append(
                span_diag(
                    call.span,
                    f"floatv gives floats; {arg.name!r} is an int (use intv)",
                    code="search-space",
                )
            )
        elif base not in ("int", "float", "Any", ""):
            out.append(
                span_diag(
                    call.span,
                    f"{kind} gives numbers; {arg.name!r} is a {base}",
                    code="search-space",
                )
            )
        limits = bounds(arg.type)
        for name, e, v in (("lo", lo_e, lo), ("hi", hi_e, hi)):
            if v is None or not limits:
                continue
            out_of = _outside(float(v), limits)
            if out_of is not None:
                out.append(
                    span_diag(
                        e.span,
                        f"{kind}: {name} {v!r} is outside the range of {arg.name!r} (must be {out_of})",
                        code="search-space",
                    )
                )
    return out

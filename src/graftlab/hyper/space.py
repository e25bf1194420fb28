"""A search space: the decisions a template holds, their names, conditions and sizes.

``Space(template)`` walks an experiment tree that holds hyper values and lists its
decisions in a stable order. A decision is named by the key path where its hyper value
stands (``model.layers[1].features``), or by its ``name=``. A decision inside a candidate of
a ``oneof`` is *conditional*: it is active only when that candidate is chosen, and its name
is the choice's name, the candidate's index in brackets and the path inside the candidate
(``model.block[1].features``). Decisions with the same explicit name are one decision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from graftlab.hyper.errors import HyperError
from graftlab.hyper.primitives import floatv, intv, manyof, oneof, uri
from graftlab.symbolic import nodes, placeholder
from graftlab.symbolic.formatting import format_value
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.nodes import LEAF_TYPES, SymDict, SymList


@dataclass(eq=False)
class Decision:
    """One decision of a space.

    ``kind`` is ``oneof`` (value: the chosen candidate's index), ``manyof`` (a list of
    ``k`` indices), ``float`` or ``int``. ``children[i]`` are the decisions active when a
    ``oneof`` chose candidate ``i``.
    """

    name: str
    kind: str
    path: str
    n: int = 0  # number of candidates (oneof, manyof)
    k: int = 0
    distinct: bool = True
    sorted: bool = False
    lo: float = 0.0
    hi: float = 0.0
    scale: str = "linear"
    labels: list[str] = field(default_factory=list)
    children: dict[int, list[Decision]] = field(default_factory=dict)
    condition: tuple[str, int] | None = None

    def signature(self) -> tuple[Any, ...]:
        """What must agree for two uses of one name to be one decision."""
        return (self.kind, self.n, self.k, self.distinct, self.sorted, self.lo, self.hi, self.scale)

    @property
    def size(self) -> float:
        """How many values this decision (with its conditional decisions) can take."""
        if self.kind == "float":
            return 1.0 if self.lo == self.hi else math.inf
        if self.kind == "int":
            return int(self.hi - self.lo + 1)
        if self.kind == "manyof":
            n, k = self.n, self.k
            if self.distinct:
                return math.comb(n, k) if self.sorted else math.perm(n, k)
            return math.comb(n + k - 1, k) if self.sorted else n**k
        total: float = 0
        for i in range(self.n):
            total += product_size(self.children.get(i, []))
        return total

    def describe(self) -> str:
        """A short text of the domain: ``oneof 3: 32 | 64 | 128``, ``float [1e-4, 0.1] log``."""
        if self.kind == "float":
            return f"float [{self.lo:g}, {self.hi:g}]" + (" log" if self.scale == "log" else "")
        if self.kind == "int":
            return f"int [{int(self.lo)}, {int(self.hi)}]"
        shown = " | ".join(f"{i}: {lab}" for i, lab in enumerate(self.labels))
        if self.kind == "manyof":
            opts = [] if self.distinct else ["repeats"]
            opts += ["sorted"] if self.sorted else []
            extra = f" ({', '.join(opts)})" if opts else ""
            return f"manyof {self.k} of {self.n}{extra}: {shown}"
        return f"oneof {self.n}: {shown}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "path": self.path}
        if self.kind in ("oneof", "manyof"):
            out["candidates"] = list(self.labels)
        if self.kind == "manyof":
            out.update(k=self.k, distinct=self.distinct, sorted=self.sorted)
        if self.kind in ("float", "int"):
            lo, hi = (self.lo, self.hi) if self.kind == "float" else (int(self.lo), int(self.hi))
            out.update(lo=lo, hi=hi)
        if self.kind == "float":
            out["scale"] = self.scale
        if self.condition:
            out["when"] = {"decision": self.condition[0], "candidate": self.condition[1]}
        return out


def product_size(decisions: list[Decision]) -> float:
    total: float = 1
    for d in decisions:
        total *= d.size
    return total


def _label(value: Any) -> str:
    text = (
        format_value(value, compact=True, hide_defaults=True)
        if nodes.is_node(value)
        else repr(value)
    )
    return text if len(text) <= 60 else text[:57] + "..."


def child_name(name: str, index: int, rel: KeyPath) -> str:
    """The name of a decision at ``rel`` inside candidate ``index`` of choice ``name``."""
    head = f"{name}[{index}]"
    if not rel:
        return head
    text = str(rel)
    return head + (text if text.startswith("[") else "." + text)


def decision_name(value: Any, path: KeyPath, scope: tuple[str, int, KeyPath] | None) -> str:
    """The name of the decision of hyper value ``value`` at ``path``: its ``name=``, else its
    key path, or inside a candidate (``scope``: choice name, candidate index, candidate path)
    the choice's name, the index and the path inside the candidate."""
    explicit = value.__dict__["_sym_"].args.get("name")
    if explicit:
        return explicit
    if scope is None:
        return str(path) or "<root>"
    name, index, base = scope
    return child_name(name, index, KeyPath(path[len(base) :]))


class Space:
    """The decisions of a template, in a stable (depth-first, written) order."""

    def __init__(self, template: Any) -> None:
        self.template = template
        self.roots: list[Decision] = []
        self.by_name: dict[str, Decision] = {}
        self._walk(template, KeyPath(), None, None, self.roots)

    # -- building -------------------------------------------------------------------------

    def _add(self, d: Decision, out: list[Decision], explicit: bool) -> Decision:
        old = self.by_name.get(d.name)
        if old is not None:
            if not explicit or old.signature() != d.signature():
                raise HyperError(
                    f"two decisions are named {d.name!r} ({old.path} and {d.path}) but differ: "
                    "give them different name= (or the same domain to share one decision)"
                )
            return old
        self.by_name[d.name] = d
        out.append(d)
        return d

    def _walk(
        self,
        value: Any,
        path: KeyPath,
        scope: tuple[str, int, KeyPath] | None,
        condition: tuple[str, int] | None,
        out: list[Decision],
    ) -> None:
        t = type(value)
        if t in LEAF_TYPES:
            return
        if t in placeholder.TYPES:
            self._hyper(value, path, scope, condition, out)
            return
        if t is list or t is SymList or t is tuple:
            for i, v in enumerate(value):
                self._walk(v, path.child(i), scope, condition, out)
            return
        if t is dict or t is SymDict:
            for k, v in dict.items(value):
                self._walk(v, path.child(k), scope, condition, out)
            return
        st = nodes.state_of(value)
        if st is not None and placeholder.TEMPLATE_KEY in value.__dict__:
            for k, v in st.args.items():
                self._walk(v, path.child(k), scope, condition, out)

    def _hyper(
        self,
        value: Any,
        path: KeyPath,
        scope: tuple[str, int, KeyPath] | None,
        condition: tuple[str, int] | None,
        out: list[Decision],
    ) -> None:
        args = value.__dict__["_sym_"].args
        t = type(value)
        if t is uri:
            for k, v in args.items():
                self._walk(v, path.child(k), scope, condition, out)
            return
        name = decision_name(value, path, scope)
        explicit = bool(args.get("name"))
        common = {"name": name, "path": str(path), "condition": condition}
        if t is floatv:
            self._add(
                Decision(kind="float", lo=args["lo"], hi=args["hi"], scale=args["scale"], **common),
                out,
                explicit,
            )
        elif t is intv:
            self._add(Decision(kind="int", lo=args["lo"], hi=args["hi"], **common), out, explicit)
        elif t is manyof:
            cands = args["candidates"]
            self._add(
                Decision(
                    kind="manyof",
                    n=len(cands),
                    k=args["k"],
                    distinct=args["distinct"],
                    sorted=args["sorted"],
                    labels=[_label(c) for c in cands],
                    **common,
                ),
                out,
                explicit,
            )
        elif t is oneof:
            cands = args["candidates"]
            d = Decision(kind="oneof", n=len(cands), labels=[_label(c) for c in cands], **common)
            shared = self.by_name.get(name)
            d = self._add(d, out, explicit)
            if shared is not None:
                return  # the first use defined the conditional decisions
            base = path.child("candidates")
            for i, c in enumerate(cands):
                kids: list[Decision] = []
                self._walk(c, base.child(i), (name, i, base.child(i)), (name, i), kids)
                if kids:
                    d.children[i] = kids

    # -- reading --------------------------------------------------------------------------

    @property
    def size(self) -> float:
        """The number of distinct points (``math.inf`` with a float range)."""
        return product_size(self.roots)

    def __len__(self) -> int:
        return len(self.by_name)

    def __iter__(self) -> Any:
        return iter(self.by_name.values())

    def __getitem__(self, name: str) -> Decision:
        return self.by_name[name]

    @property
    def is_empty(self) -> bool:
        return not self.by_name

    def active(self, decisions: dict[str, Any]) -> list[Decision]:
        """The decisions active under ``decisions`` (depth-first, conditionals after their choice)."""
        out: list[Decision] = []
        stack = list(reversed(self.roots))
        while stack:
            d = stack.pop()
            out.append(d)
            if d.kind == "oneof" and d.children:
                v = decisions.get(d.name)
                if isinstance(v, int) and v in d.children:
                    stack.extend(reversed(d.children[v]))
        return out

    def to_json(self) -> dict[str, Any]:
        size = self.size
        return {
            "size": None if math.isinf(size) else int(size),
            "decisions": [d.to_json() for d in self],
        }

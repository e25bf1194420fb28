"""Classes across modules: bases, C3 MROs, flavours (NNX/Linen), enums, and which classes
are symbolic (decorated, symbolized from outside, or hooked by a symbolic ancestor)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graftlab.index.annotations import normalize
from graftlab.index.names import BUILTINS, ModuleContext, Names
from graftlab.index.records import ExternalSymbolize, ModuleScan, RawClass

ENUM_ROOTS = {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"}
_NOT_NNX_MODULES = {
    "Rngs",
    "RngStream",
    "Variable",
    "Param",
    "BatchStat",
    "Cache",
    "Intermediate",
    "VariableState",
    "State",
    "GraphDef",
    "Object",
    "Pytree",
    "Optimizer",
}


@dataclass
class ClassNode:
    """A scanned class with its cross-module facts."""

    qualname: str
    module: str
    raw: RawClass
    bases: list[str] = field(default_factory=list)  # resolved base qualnames / dotted names
    mro: list[str] = field(default_factory=list)
    enum: bool = False
    protocol: bool = False
    flavor: str = ""  # nnx | linen | ""
    dataclass: bool = False
    frozen: bool = False
    symbolic: bool = False
    runtime: list[str] = field(default_factory=list)
    symbolized_at: tuple[str, int] | None = None  # (module, statement index)
    hooked: bool = False  # symbolized by an ancestor's __init_subclass__ (before decorators)
    returns: str | None = None


class Hierarchy(Names):
    """The class half of the ``Resolver``: nodes prepared lazily, on first use."""

    _ext_targets: dict[str, list[tuple[ModuleScan, ExternalSymbolize]]] | None

    def node(self, qualname: str) -> ClassNode | None:
        """A scanned class, its bases and MRO resolved."""
        n = self.nodes.get(qualname)
        if n is None:
            return None
        if not n.mro:
            self._prepare(n, set())
        return n

    def _base_names(self, n: ClassNode) -> list[str]:
        scan = self.modules[n.module]
        ctx = ModuleContext(self, scan, None)
        out = []
        for b in n.raw.bases:
            expr = b[1] if b[0] == "s" else b
            if expr[0] != "d":
                continue
            head = expr[1].partition(".")[0]
            if head in scan.bindings or head not in BUILTINS:
                # Flax's own classes are known by name (NNX / Linen): never scanned.
                t = ctx.resolve(expr[1], False) if head in scan.bindings else None
                demand = t is None or not t.qualname.startswith("flax.")
                ref = self.lookup(f"{scan.module}.{expr[1]}", demand=demand)
                if ref.kind == "unknown" and head not in scan.bindings:
                    # A class nested in the same class body, or a star import.
                    outer = n.raw.qualname.rpartition(".")[0]
                    ref = self.lookup(f"{scan.module}.{outer}.{expr[1]}") if outer else ref
                if ref.kind == "unknown" and head in scan.bindings:
                    t = ctx.resolve(expr[1], False)
                    out.append(normalize(t.qualname))
                    continue
                out.append(normalize(ref.qualname))
            else:
                out.append(f"builtins.{expr[1]}")
        return out

    def _prepare(self, n: ClassNode, seen: set[str]) -> None:
        seen.add(n.qualname)
        n.bases = self._base_names(n)
        parents: list[list[str]] = []
        for b in n.bases:
            bn = self.nodes.get(b)
            if bn is not None and b not in seen:
                if not bn.mro:
                    self._prepare(bn, seen)
                parents.append(bn.mro)
            else:
                parents.append([b])
        n.mro = [n.qualname, *_c3([*parents, list(n.bases)])]
        n.protocol = "typing.Protocol" in n.bases
        for q in n.mro:
            if q in ENUM_ROOTS:
                n.enum = True
            if not n.flavor:
                if q.startswith("flax.nnx.") and q.rpartition(".")[2] not in _NOT_NNX_MODULES:
                    n.flavor = "nnx"
                elif q.startswith("flax.linen."):
                    n.flavor = "linen"
                else:
                    bn = self.nodes.get(q)
                    if bn is not None and bn is not n and bn.flavor:
                        n.flavor = bn.flavor
        decos = n.raw.decorators
        dc = next((d for d in decos if d.kind == "dataclass"), None)
        n.dataclass = dc is not None and dc.init
        n.frozen = dc is not None and dc.frozen
        self._symbolic(n, seen)

    def _symbolic(self, n: ClassNode, seen: set[str]) -> None:
        flax_rt = {"nnx": ["rngs"], "linen": ["parent", "name"]}.get(n.flavor, [])
        # A symbolic ancestor's __init_subclass__ hook symbolizes first (decorators then no-op).
        for q in n.mro[1:]:
            bn = self.nodes.get(q)
            if bn is None:
                continue
            if not bn.mro:
                self._prepare(bn, seen)
            if bn.symbolic and self._hooked(n, bn):
                n.symbolic = True
                n.hooked = True
                n.runtime = list(dict.fromkeys([*bn.runtime, *flax_rt]))
                n.symbolized_at = (n.module, n.raw.index)
                return
        deco = next((d for d in n.raw.decorators if d.kind == "symbolize"), None)
        if deco is not None:
            n.symbolic = True
            n.runtime = list(dict.fromkeys([*deco.runtime, *flax_rt]))
            n.symbolized_at = (n.module, n.raw.index)
            return
        for scan, ext in self.external_targets().get(n.qualname, []):
            n.symbolic = True
            n.runtime = list(dict.fromkeys([*ext.runtime, *flax_rt]))
            n.symbolized_at = (scan.module, ext.index)
            return

    def _hooked(self, n: ClassNode, base: ClassNode) -> bool:
        """Whether ``base``'s subclass hook was installed when ``n`` was defined."""
        at = base.symbolized_at
        if at is None or at[0] == base.module:
            return True  # decorated (or hooked) where it is defined: before any subclass
        # Symbolized from outside: only subclasses defined after that (in scope) are hooked.
        if n.module in self.outside or n.module == base.module:
            return False
        return n.module != at[0] or n.raw.index > at[1]

    def external_targets(self) -> dict[str, list[tuple[ModuleScan, ExternalSymbolize]]]:
        """Classes symbolized from outside (``X = gl.symbolize(pkg.X)``), by qualname."""
        if self._ext_targets is None:
            self._ext_targets = {}
            for key, entries in self.external.items():
                ref = self.lookup(key[1:], demand=True)
                if ref.kind == "class":
                    self._ext_targets.setdefault(ref.qualname, []).extend(entries)
        return self._ext_targets

    def members(self, n: ClassNode) -> list[str]:
        """An enum's member names (aliases of an earlier value left out)."""
        out: list[str] = []
        values: set[str] = set()
        for name, value in n.raw.assigns:
            if name.startswith("_"):
                continue
            if "auto()" not in value and value in values:
                continue
            values.add(value)
            out.append(name)
        return out

    def subclasses(self, qualname: str) -> list[str]:
        """Qualified names of the scanned classes whose MRO contains ``qualname``."""
        return [
            q
            for q, n in self.nodes.items()
            if q != qualname and qualname in (self.node(q) or n).mro
        ]


def _c3(seqs: list[list[str]]) -> list[str]:
    out: list[str] = []
    seqs = [list(s) for s in seqs if s]
    while seqs:
        for s in seqs:
            head = s[0]
            if not any(head in t[1:] for t in seqs):
                break
        else:  # inconsistent: fall back to depth-first order
            for s in seqs:
                for x in s:
                    if x not in out:
                        out.append(x)
            return out
        out.append(head)
        seqs = [[x for x in s if x != head] for s in seqs]
        seqs = [s for s in seqs if s]
    return out

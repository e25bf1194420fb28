"""Name resolution across module scans: what a dotted global name refers to.

Follows imports, re-exports, star imports, submodules and aliases the way Python's import
system would (statically: modules outside the scanned scope load on demand, the standard
library never). ``ModuleContext`` answers an annotation's names inside one module, at the
moment its class was symbolized (lazy annotations see only names bound before it).
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graftlab.index.annotations import (
    Context,
    Target,
    TypeExpr,
    Unresolvable,
    literal_value,
    normalize,
)
from graftlab.index.records import ExternalSymbolize, ModuleScan, RawFunction

if TYPE_CHECKING:
    from graftlab.index.hierarchy import ClassNode

BUILTINS = frozenset(dir(builtins))
STDLIB = frozenset(sys.stdlib_module_names)


@dataclass
class Ref:
    """What a global dotted name refers to."""

    kind: str  # module | class | function | assign | unknown
    qualname: str  # module name, class/function qualified name, or the dotted name
    module: str = ""
    raw: Any = None  # RawClass / RawFunction / alias expression
    typing_only: bool = False


class ModuleContext(Context):
    """Name resolution inside one module, for annotations evaluated at a given moment."""

    def __init__(self, resolver: Names, scan: ModuleScan, cutoff: tuple[str, int] | None):
        self.r = resolver
        self.scan = scan
        self.cutoff = cutoff

    def resolve(self, dotted: str, lazy: bool) -> Target:
        head = dotted.partition(".")[0]
        b = self.scan.bindings.get(head)
        if lazy:
            if b is None:
                if head not in BUILTINS and not self.scan.star_imports:
                    raise Unresolvable(dotted)
            elif b[0] == "tc" or (
                self.cutoff is not None
                and self.cutoff[0] == self.scan.module
                and b[1] >= self.cutoff[1]
            ):
                raise Unresolvable(dotted)
        if b is None:
            if head in BUILTINS:
                full = f"builtins.{dotted}"
                return Target("builtin", full, name=dotted.rpartition(".")[2])
            for star in self.scan.star_imports:
                ref = self.r.lookup(f"{star}.{dotted}")
                if ref.kind != "unknown":
                    return self.r.target(ref)
            return Target("unknown", dotted, name=dotted.rpartition(".")[2])
        return self.r.target(self.r.lookup(f"{self.scan.module}.{dotted}"))

    def value(self, expr: TypeExpr) -> Any:
        for _ in range(8):
            if expr[0] != "d":
                return literal_value(expr)
            b = self.scan.bindings.get(expr[1])
            if b is None or b[0] != "assign" or not b[2]:
                raise ValueError(expr[1])
            expr = b[2]
        raise ValueError("constant chain too long")


class Names:
    """Global names over a set of module scans (the ``Resolver``'s lookup half)."""

    modules: dict[str, ModuleScan]
    outside: set[str]
    nodes: dict[str, ClassNode]
    functions: dict[str, tuple[ModuleScan, RawFunction]]
    external: dict[str, list[tuple[ModuleScan, ExternalSymbolize]]]
    _load: Callable[[str], ModuleScan | None] | None
    _lookup_cache: dict[str, Ref]

    def _add(self, scan: ModuleScan) -> None:
        raise NotImplementedError

    def node(self, qualname: str) -> ClassNode | None:
        raise NotImplementedError

    def members(self, n: ClassNode) -> list[str]:
        raise NotImplementedError

    def module(self, name: str, demand: bool = False) -> ModuleScan | None:
        """A scanned module (loaded on demand from outside the scope if asked)."""
        scan = self.modules.get(name)
        if (
            scan is None
            and demand
            and self._load is not None
            and name.partition(".")[0] not in STDLIB
        ):
            scan = self._load(name)
            if scan is not None:
                self.modules[name] = scan
                self.outside.add(name)
                self._add(scan)
                self._lookup_cache.clear()
        return scan

    def lookup(self, dotted: str, demand: bool = False, _depth: int = 0) -> Ref:
        """What a dotted global name (``pkg.mod.Class``) refers to, following re-exports."""
        key = ("!" if demand else "") + dotted
        cached = self._lookup_cache.get(key)
        if cached is not None:
            return cached
        ref = self._lookup(dotted, demand, _depth)
        self._lookup_cache[key] = ref
        return ref

    def _lookup(self, dotted: str, demand: bool, depth: int) -> Ref:
        if depth > 20:
            return Ref("unknown", dotted)
        parts = dotted.split(".")
        # The outermost scanned module (namespace packages have none), then attribute by
        # attribute: a module's own binding wins over a submodule of the same name.
        scan = None
        for i in range(1, len(parts) + 1):
            scan = self.modules.get(".".join(parts[:i]))
            if scan is None and demand and i == 1:
                scan = self.module(parts[0], demand=True)
            if scan is not None:
                break
        if scan is None:
            return Ref("unknown", dotted)
        return self._walk(scan, parts[i:], demand, depth)

    def _walk(self, scan: ModuleScan, names: list[str], demand: bool, depth: int) -> Ref:
        if not names:
            return Ref("module", scan.module, scan.module)
        return self._member(scan, names, demand, depth)

    def _submodule(self, scan: ModuleScan, name: str, demand: bool) -> ModuleScan | None:
        sub = f"{scan.module}.{name}"
        return self.modules.get(sub) or (self.module(sub, demand) if scan.is_package else None)

    def _member(self, scan: ModuleScan, names: list[str], demand: bool, depth: int) -> Ref:
        name, rest = names[0], names[1:]
        tail = ("." + ".".join(rest)) if rest else ""
        b = scan.bindings.get(name)
        if b is None:
            sub = self._submodule(scan, name, demand)
            if sub is not None:
                return self._walk(sub, rest, demand, depth + 1)
            for star in scan.star_imports:
                ref = self.lookup(f"{star}.{'.'.join(names)}", demand, depth + 1)
                if ref.kind != "unknown":
                    return ref
            return Ref("unknown", f"{scan.module}.{'.'.join(names)}")
        kind, _index, target = b
        if kind in ("import", "tc"):
            if target == f"{scan.module}.{name}":  # ``from . import sub`` in a package
                sub = self._submodule(scan, name, demand)
                ref = (
                    self._walk(sub, rest, demand, depth + 1)
                    if sub is not None
                    else Ref("unknown", target + tail)
                )
            else:
                ref = self.lookup(target + tail, demand, depth + 1)
            if kind == "tc":
                ref = Ref(ref.kind, ref.qualname, ref.module, ref.raw, True)
            return ref
        if kind == "class":
            q = f"{scan.module}.{'.'.join(names)}"
            if q in self.nodes:
                return Ref("class", q, scan.module, self.nodes[q].raw)
            # A member of a class (an enum member, a nested name): report the class.
            for k in range(len(names) - 1, 0, -1):
                q2 = f"{scan.module}.{'.'.join(names[:k])}"
                if q2 in self.nodes:
                    return Ref("member", f"{scan.module}.{'.'.join(names)}", scan.module, q2)
            return Ref("unknown", q)
        if kind == "def":
            q = f"{scan.module}.{name}"
            return Ref("function", q + tail, scan.module, self.functions.get(q, (None, None))[1])
        if kind == "assign":
            for ext in scan.external:
                if ext.bound == name:
                    ref = self.lookup(ext.target + tail, True, depth + 1)
                    return ref
            if target and target[0] == "d" and not rest:
                inner = ModuleContext(self, scan, None)
                head = target[1].partition(".")[0]
                if head != name and head in scan.bindings:
                    t = inner.resolve(target[1], False)
                    if t.kind in ("class", "enum", "protocol", "function", "module"):
                        return self.lookup(t.qualname, demand, depth + 1)
            return Ref("assign", f"{scan.module}.{name}", scan.module, target)
        return Ref("unknown", f"{scan.module}.{'.'.join(names)}")

    def target(self, ref: Ref) -> Target:
        """A name's meaning for annotation translation."""
        q = normalize(ref.qualname)
        short = q.rpartition(".")[2]
        if ref.kind == "class":
            node = self.node(ref.qualname)
            if node is not None:
                if node.enum:
                    return Target("enum", node.qualname, name=short, members=self.members(node))
                if node.protocol:
                    return Target("protocol", node.qualname, name=short)
            return Target("class", ref.qualname, name=short)
        if ref.kind == "function":
            return Target("function", ref.qualname, name=short)
        if ref.kind == "module":
            return Target("module", ref.qualname, name=short)
        if ref.kind == "assign":
            expr = ref.raw
            scan = self.modules[ref.module]
            if expr is None:
                return Target("unknown", ref.qualname, name=short)
            if expr[0] == "c":
                func = (expr[1][1] if expr[1][0] == "d" else "").rpartition(".")[2]
                arg0 = expr[2][0] if expr[2] else None
                label = arg0[3] if arg0 and arg0[0] == "l" and arg0[3] else short
                if func == "TypeVar":
                    return Target("typevar", ref.qualname, name=f"~{label}")
                if func == "NewType":
                    return Target("typevar", ref.qualname, name=f"{ref.module}.{label}")
                return Target("unknown", ref.qualname, name=short)
            return Target(
                "alias",
                ref.qualname,
                name=short,
                expr=expr,
                context=ModuleContext(self, scan, None),
            )
        if q.startswith("typing."):
            return Target("typing", q, name=short)
        if q.startswith("builtins."):
            return Target("builtin", q, name=short)
        return Target("unknown", q, name=short)

"""From per-file scans to schemas: names across modules, MROs, effective ``__init__``s.

The resolver mirrors what ``symbolize`` does at runtime, statically: which classes are
symbolic (decorated, symbolized from outside, or subclasses of a symbolic class), which
runtime arguments they exclude (``runtime=``, NNX ``rngs``, Linen ``parent``/``name``), which
``__init__`` gives their schema (their own, a base's, a dataclass's), what ``**kwargs``
pass through to, and how every annotation reads as a spec. Annotations that the runtime
evaluates lazily (string annotations, ``from __future__ import annotations``) resolve only to
names bound *before* the class was symbolized, as ``typing.get_type_hints`` would.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graftlab.index.annotations import (
    ANY,
    Context,
    Target,
    TypeExpr,
    Unresolvable,
    fails,
    literal_value,
    normalize,
    optional,
    top_choices,
    translate,
)
from graftlab.index.model import ArgInfo, ClassInfo, Location, RuleInfo
from graftlab.index.scanner import (
    ExternalSymbolize,
    ModuleScan,
    RawClass,
    RawField,
    RawFunction,
    RawParam,
    clean_doc,
)
from graftlab.symbolic.docstrings import argument_help

_BUILTINS = frozenset(dir(builtins))
_STDLIB = frozenset(sys.stdlib_module_names)
_ENUM_ROOTS = {"enum.Enum", "enum.IntEnum", "enum.StrEnum", "enum.Flag", "enum.IntFlag"}
_PLAIN_ROOTS = {"builtins.object", "typing.Generic", "abc.ABC", "typing.Protocol"}
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
class Ref:
    """What a global dotted name refers to."""

    kind: str  # module | class | function | assign | unknown
    qualname: str  # module name, class/function qualified name, or the dotted name
    module: str = ""
    raw: Any = None  # RawClass / RawFunction / alias expression
    typing_only: bool = False


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


class ModuleContext(Context):
    """Name resolution inside one module, for annotations evaluated at a given moment."""

    def __init__(self, resolver: Resolver, scan: ModuleScan, cutoff: tuple[str, int] | None):
        self.r = resolver
        self.scan = scan
        self.cutoff = cutoff

    def resolve(self, dotted: str, lazy: bool) -> Target:
        head = dotted.partition(".")[0]
        b = self.scan.bindings.get(head)
        if lazy:
            if b is None:
                if head not in _BUILTINS and not self.scan.star_imports:
                    raise Unresolvable(dotted)
            elif b[0] == "tc" or (
                self.cutoff is not None
                and self.cutoff[0] == self.scan.module
                and b[1] >= self.cutoff[1]
            ):
                raise Unresolvable(dotted)
        if b is None:
            if head in _BUILTINS:
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


class Resolver:
    """Cross-module resolution over a set of module scans (see the module doc)."""

    def __init__(
        self,
        modules: dict[str, ModuleScan],
        load: Callable[[str], ModuleScan | None] | None = None,
    ) -> None:
        self.modules = modules
        self._load = load
        self.outside: set[str] = set()  # modules loaded on demand from outside the scope
        self._ext_targets: dict[str, list[tuple[ModuleScan, ExternalSymbolize]]] | None = None
        self.nodes: dict[str, ClassNode] = {}
        self.functions: dict[str, tuple[ModuleScan, RawFunction]] = {}
        self.external: dict[str, list[tuple[ModuleScan, ExternalSymbolize]]] = {}
        self._lookup_cache: dict[str, Ref] = {}
        self._index()

    def _index(self) -> None:
        for scan in list(self.modules.values()):
            self._add(scan)

    def _add(self, scan: ModuleScan) -> None:
        for rc in scan.classes:
            q = f"{scan.module}.{rc.qualname}"
            self.nodes[q] = ClassNode(q, scan.module, rc)
        for fn in scan.functions:
            self.functions[f"{scan.module}.{fn.qualname}"] = (scan, fn)
        for ext in scan.external:
            self.external.setdefault("?" + ext.target, []).append((scan, ext))

    # --- global names ----------------------------------------------------------------------

    def module(self, name: str, demand: bool = False) -> ModuleScan | None:
        """A scanned module (loaded on demand from outside the scope if asked)."""
        scan = self.modules.get(name)
        if (
            scan is None
            and demand
            and self._load is not None
            and name.partition(".")[0] not in _STDLIB
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

    # --- classes -------------------------------------------------------------------------------

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
            if head in scan.bindings or head not in _BUILTINS:
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
            if q in _ENUM_ROOTS:
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

    # --- schemas ---------------------------------------------------------------------------

    def _effective_init(self, n: ClassNode) -> tuple[str, ClassNode | None, RawFunction | None]:
        """Where ``cls.__init__`` comes from: ("def", owner, fn), ("dataclass", owner, None),
        ("linen", owner, None), ("object", None, None) or ("unknown", None, None)."""
        for q in n.mro:
            bn = self.nodes.get(q)
            if bn is None:
                if q in _PLAIN_ROOTS or q in _ENUM_ROOTS or q.startswith("flax.nnx."):
                    continue
                if q.startswith("flax.linen."):
                    return ("linen", n, None)
                return ("unknown", None, None)
            if bn.raw.init is not None:
                return ("def", bn, bn.raw.init)
            if bn.dataclass and not (bn is n and n.hooked):
                # A hooked class is symbolized when it is created, before its decorators.
                return ("dataclass", bn, None)
            if bn.flavor == "linen":
                return ("linen", bn, None)
        return ("object", None, None)

    def _init_params(
        self, n: ClassNode, how: str, owner: ClassNode | None, fn: RawFunction | None
    ) -> tuple[list[tuple[RawParam, ModuleScan]], bool]:
        """The parameters after ``self`` of an effective init, each with its module."""
        if how == "def" and fn is not None and owner is not None:
            scan = self.modules[owner.module]
            params = list(fn.params)
            if params and params[0].kind in ("positional_only", "positional_or_keyword"):
                params = params[1:]
            return [(p, scan) for p in params], True
        if how in ("dataclass", "linen") and owner is not None:
            return self._dataclass_params(owner, linen=how == "linen"), True
        return [], how == "object"

    def _dataclass_params(self, n: ClassNode, linen: bool) -> list[tuple[RawParam, ModuleScan]]:
        fields: dict[str, tuple[RawField, ModuleScan, bool]] = {}
        for q in reversed(n.mro):
            bn = self.nodes.get(q)
            if bn is None or not (bn.dataclass or (linen and bn.flavor == "linen")):
                continue
            scan = self.modules[bn.module]
            ctx = ModuleContext(self, scan, None)
            deco = next((d for d in bn.raw.decorators if d.kind == "dataclass"), None)
            for i, f in enumerate(bn.raw.fields):
                head = f.annotation[1] if f.annotation[0] == "s" else f.annotation
                if head[0] == "d":
                    try:
                        t = ctx.resolve(head[1], False)
                    except Unresolvable:
                        t = None
                    if t is not None and normalize(t.qualname) == "typing.ClassVar":
                        continue
                if not f.init:
                    fields.pop(f.name, None)
                    continue
                kw = f.kw_only
                if kw is None:
                    kw = (deco is not None and deco.kw_only) or (
                        bn.raw.kw_only_marker >= 0 and i >= bn.raw.kw_only_marker
                    )
                fields[f.name] = (f, scan, kw)
        ordered = [v for v in fields.values() if not v[2]] + [v for v in fields.values() if v[2]]
        out = [
            (
                RawParam(
                    f.name,
                    "keyword_only" if kw else "positional_or_keyword",
                    f.annotation,
                    f.default,
                ),
                scan,
            )
            for f, scan, kw in ordered
        ]
        if linen:
            out += [
                (RawParam("parent", "keyword_only", None, "None"), self.modules[n.module]),
                (RawParam("name", "keyword_only", None, "None"), self.modules[n.module]),
            ]
        return out

    def _base_params(self, n: ClassNode) -> list[tuple[RawParam, ModuleScan]]:
        """Named parameters of the next ``__init__`` up the MRO (``_base_params``)."""
        out: list[tuple[RawParam, ModuleScan]] = []
        for q in n.mro[1:]:
            bn = self.nodes.get(q)
            if bn is None:
                if q in _PLAIN_ROOTS or q in _ENUM_ROOTS:
                    break
                break
            if bn.symbolic or bn.raw.init is not None or bn.dataclass or bn.flavor == "linen":
                how, owner, fn = self._effective_init(bn)
                params, _ = self._init_params(bn, how, owner, fn)
                out.extend(
                    (p, s) for p, s in params if p.kind not in ("var_keyword", "var_positional")
                )
                if not any(p.kind == "var_keyword" for p, _ in params):
                    break
        return out

    def _arg(
        self,
        p: RawParam,
        scan: ModuleScan,
        cutoff: tuple[str, int] | None,
        helps: dict[str, str],
        kind: str | None = None,
        raw: bool = False,
        none_ok: bool = False,
    ) -> tuple[ArgInfo, list[str]]:
        lazy = scan.future_annotations
        ctx = ModuleContext(self, scan, cutoff)
        tr = translate(
            p.annotation,
            ctx,
            lazy=lazy,
            raw=raw and not lazy,
            default_none=p.default == "None",
            var_positional=p.kind == "var_positional",
        )
        spec = tr.spec
        if none_ok and p.kind != "var_positional":
            spec = optional(spec)
        info = ArgInfo(
            name=p.name,
            kind=kind or p.kind,
            type=spec.full_description(),
            required=p.default is None and p.kind != "var_positional",
            default=p.default,
            help=helps.get(p.name, ""),
            choices=top_choices(spec if p.kind != "var_positional" else ANY, self._enum_members),
        )
        return info, tr.classes

    def _enum_members(self, qualname: str) -> list[str]:
        n = self.node(qualname)
        return self.members(n) if n is not None else []

    def _hints_fail(
        self,
        params: list[tuple[RawParam, ModuleScan]],
        returns: TypeExpr | None,
        cutoff: tuple[str, int] | None,
    ) -> bool:
        """Whether ``get_type_hints`` fails for the whole signature of an eagerly annotated
        function (then the runtime keeps non-string annotations unevaluated)."""
        if not params or params[0][1].future_annotations:
            return False
        scan = params[0][1]
        ctx = ModuleContext(self, scan, cutoff)
        exprs = [p.annotation for p, _ in params] + [returns]
        return any(fails(e, ctx, lazy=False) for e in exprs if e is not None)

    def _schema(
        self,
        params: list[tuple[RawParam, ModuleScan]],
        runtime: list[str],
        cutoff: tuple[str, int] | None,
        helps: dict[str, str],
        base_params: Callable[[], list[tuple[RawParam, ModuleScan]]] | None,
        returns: TypeExpr | None = None,
        none_ok: bool = False,
    ) -> tuple[list[ArgInfo], bool, dict[str, list[str]]]:
        args: list[ArgInfo] = []
        refs: dict[str, list[str]] = {}
        var_keyword = False
        raw = self._hints_fail(params, returns, cutoff)
        for p, scan in params:
            if p.name in runtime:
                continue
            if p.kind == "var_keyword":
                var_keyword = True
                continue
            info, classes = self._arg(p, scan, cutoff, helps, raw=raw, none_ok=none_ok)
            args.append(info)
            refs[p.name] = classes
        if var_keyword and base_params is not None:
            names = {a.name for a in args}
            for p, scan in base_params():
                if p.name in names or p.name in runtime:
                    continue
                # Base parameters keep non-string annotations as written (``_base_params``).
                info, classes = self._arg(
                    p, scan, cutoff, helps, kind="keyword_only", raw=True, none_ok=none_ok
                )
                args.append(info)
                refs[p.name] = classes
                names.add(p.name)
        return args, var_keyword, refs

    def class_info(self, n: ClassNode) -> tuple[ClassInfo, dict[str, list[str]]]:
        """The ``ClassInfo`` of a symbolic class (or an enum), with raw class references."""
        scan = self.modules[n.module]
        loc = Location(scan.path, n.raw.line, n.raw.column)
        short = n.raw.qualname
        if n.enum:
            info = ClassInfo(
                n.qualname,
                n.module,
                short.rpartition(".")[2],
                "enum",
                clean_doc(n.raw.doc),
                loc,
                bases=list(n.bases),
                members=self.members(n),
            )
            return info, {}
        how, owner, fn = self._effective_init(n)
        params, complete = self._init_params(n, how, owner, fn)
        init_doc = fn.doc if fn is not None else None
        helps: dict[str, str] = {}
        # As at run time: this class, its __init__, then the classes it inherits from.
        inherited = [b.raw.doc for b in (self.node(q) for q in n.mro[1:]) if b is not None]
        for doc in (n.raw.doc, init_doc, *inherited):
            for k, v in argument_help(doc).items():
                helps.setdefault(k, v)
        args, var_kw, refs = self._schema(
            params,
            n.runtime,
            n.symbolized_at,
            helps,
            lambda: self._base_params(n),
            fn.returns if fn is not None else None,
            none_ok=_is_framework(n.mro),
        )
        info = ClassInfo(
            n.qualname,
            n.module,
            short.rpartition(".")[2],
            "class",
            clean_doc(n.raw.doc or init_doc),
            loc,
            args=args,
            var_keyword=var_kw,
            runtime=list(n.runtime),
            bases=list(n.bases),
        )
        info.complete = complete
        info.dataclass = how in ("dataclass", "linen")
        info.frozen = owner.frozen if owner is not None and how == "dataclass" else False
        return info, refs

    def function_info(
        self, scan: ModuleScan, fn: RawFunction, drop_first: bool, runtime: list[str]
    ) -> tuple[list[ArgInfo], bool, dict[str, list[str]]]:
        """The schema of a symbolized function or patch rule."""
        params = list(fn.params)
        if drop_first and params:
            params = params[1:]
        helps = argument_help(fn.doc)
        return self._schema(
            [(p, scan) for p in params], runtime, (scan.module, fn.index), helps, None, fn.returns
        )

    def returns_of(self, scan: ModuleScan, fn: RawFunction) -> str | None:
        """The class a symbolized function returns (by its return annotation), if scanned."""
        if fn.returns is None or fn.returns[0] != "d":
            return None
        try:
            t = ModuleContext(self, scan, None).resolve(fn.returns[1], False)
        except Unresolvable:
            return None
        return t.qualname if t.kind == "class" else None


# Module bases of the frameworks whose symbolized classes accept ``None`` for any argument
# ("not set"), as ``graftlab.symbolic.frameworks.framework_of`` decides at run time.
_FRAMEWORK_BASES = (
    "flax.linen.Module",
    "flax.nnx.Module",
    "flax.nnx.Pytree",
    "flax.nnx.Object",
    "torch.nn.Module",
    "torch.nn.modules.module.Module",
    "keras.Layer",
    "keras.layers.Layer",
    "keras.Operation",
)


def _is_framework(mro: list[str]) -> bool:
    return any(q in _FRAMEWORK_BASES or q.startswith("flax.linen.") for q in mro)


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


def build_infos(
    resolver: Resolver,
) -> tuple[dict[str, ClassInfo], dict[str, RuleInfo], list[str]]:
    """Every ClassInfo (symbolic classes, symbolized functions, enums) and RuleInfo."""
    classes: dict[str, ClassInfo] = {}
    refs: dict[str, dict[str, list[str]]] = {}
    rules: dict[str, RuleInfo] = {}
    rule_refs: dict[str, dict[str, list[str]]] = {}
    problems: list[str] = []
    resolver.external_targets()  # loads what is symbolized from outside the scope first
    done: set[str] = set()
    while True:
        pending = [q for q in resolver.nodes if q not in done]
        if not pending:
            break
        done.update(pending)
        for q in pending:
            n = resolver.node(q)
            if n is None or not (n.symbolic or n.enum):
                continue
            if n.module in resolver.outside and not n.symbolic:
                continue
            try:
                info, r = resolver.class_info(n)
            except Exception as e:  # one odd class must not take the index down
                problems.append(f"{q}: {type(e).__name__}: {e}")
                continue
            classes[q] = info
            refs[q] = r
    returns: dict[str, str] = {}
    for q, (scan, fn) in list(resolver.functions.items()):
        loc = Location(scan.path, fn.line, fn.column)
        for d in fn.decorators:
            try:
                if d.kind == "symbolize":
                    args, var_kw, r = resolver.function_info(scan, fn, False, d.runtime)
                    classes[q] = ClassInfo(
                        q,
                        scan.module,
                        fn.name,
                        "function",
                        clean_doc(fn.doc),
                        loc,
                        args=args,
                        runtime=list(d.runtime),
                        var_keyword=var_kw,
                    )
                    refs[q] = r
                    ret = resolver.returns_of(scan, fn)
                    if ret is not None:
                        returns[q] = ret
                        classes[q].returns = ret
                elif d.kind == "patcher":
                    args, _, r = resolver.function_info(scan, fn, True, [])
                    name = d.name or fn.name
                    rules[name] = RuleInfo(name, q, clean_doc(fn.doc), loc, args, d.optional)
                    rule_refs[name] = r
            except Exception as e:
                problems.append(f"{q}: {type(e).__name__}: {e}")
    # ArgInfo.classes: symbolic classes a type accepts (subclasses and factories included).
    symbolic = {q for q, i in classes.items() if i.kind == "class"}
    below: dict[str, list[str]] = {}
    for q in symbolic:
        n = resolver.nodes[q]
        for anc in n.mro:
            below.setdefault(anc, []).append(q)

    def expand(names: list[str]) -> list[str]:
        out: list[str] = []
        for name in names:
            if name in classes and classes[name].kind == "function":
                out.append(name)
                continue
            accepted = sorted(below.get(name, []))
            out.extend(accepted)
            out.extend(f for f, ret in returns.items() if ret in accepted or ret == name)
        return list(dict.fromkeys(out))

    for q, r in refs.items():
        for a in classes[q].args:
            a.classes = expand(r.get(a.name, []))
    for name, r in rule_refs.items():
        for a in rules[name].args:
            a.classes = expand(r.get(a.name, []))
    return classes, rules, problems

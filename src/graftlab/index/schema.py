"""Schemas: the effective ``__init__`` of a symbolic class (its own, a base's, a dataclass's,
Linen's), ``**kwargs`` passed through to a base, docstring help, and each argument's spec."""

from __future__ import annotations

from collections.abc import Callable

from graftlab.index.annotations import (
    ANY,
    TypeExpr,
    Unresolvable,
    fails,
    normalize,
    optional,
    top_choices,
    translate,
)
from graftlab.index.hierarchy import ENUM_ROOTS, ClassNode, Hierarchy
from graftlab.index.model import ArgInfo, ClassInfo, Location
from graftlab.index.names import ModuleContext
from graftlab.index.records import ModuleScan, RawField, RawFunction, RawParam, clean_doc
from graftlab.symbolic.docstrings import argument_help

_PLAIN_ROOTS = {"builtins.object", "typing.Generic", "abc.ABC", "typing.Protocol"}


class Schemas(Hierarchy):
    """The schema half of the ``Resolver``."""

    def _effective_init(self, n: ClassNode) -> tuple[str, ClassNode | None, RawFunction | None]:
        """Where ``cls.__init__`` comes from: ("def", owner, fn), ("dataclass", owner, None),
        ("linen", owner, None), ("object", None, None) or ("unknown", None, None)."""
        for q in n.mro:
            bn = self.nodes.get(q)
            if bn is None:
                if q in _PLAIN_ROOTS or q in ENUM_ROOTS or q.startswith("flax.nnx."):
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
                if q in _PLAIN_ROOTS or q in ENUM_ROOTS:
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

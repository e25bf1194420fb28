"""Annotations, statically: a type expression → the ``StaticSpec`` the runtime would build.

Parsing (``ast`` → type expression) lives in ``astexpr``, type expressions in ``typeexpr``,
the spec model in ``specs``; this module translates, with the index's name resolution (a
``Context``), node for node as ``graftlab.symbolic.typespec.spec_for`` does. The names of those two modules are re-exported
here for the modules that import them from ``annotations``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graftlab.index.specs import (
    ANY,
    NONE,
    SIMPLE,
    StaticSpec,
    constraint_text,
    optional,
    with_constraints,
)
from graftlab.index.typeexpr import TypeExpr, convert_text, dotted_of, literal_value

__all__ = [
    "ANY",
    "NONE",
    "Context",
    "StaticSpec",
    "Target",
    "Translation",
    "Translator",
    "TypeExpr",
    "Unresolvable",
    "constraint_text",
    "dotted_of",
    "fails",
    "has_string",
    "literal_value",
    "normalize",
    "optional",
    "top_choices",
    "translate",
    "with_constraints",
]


class _Opaque:
    """A constraint argument that is not a literal (a lambda, a call)."""

    def __repr__(self) -> str:
        return "<opaque>"


_OPAQUE = _Opaque()


class Unresolvable(Exception):
    """A lazily evaluated annotation names something not bound yet: the runtime sees ``Any``."""


@dataclass
class Target:
    """What a name in an annotation resolves to."""

    kind: str  # builtin | class | enum | protocol | typing_class | function | alias | module | unknown
    qualname: str
    name: str = ""  # the short name (``__name__``)
    expr: TypeExpr | None = None  # alias: the aliased expression
    context: Any = None  # alias: the module context to translate it in
    members: list[str] = field(default_factory=list)  # enum members


class Context:
    """How a module's names resolve while translating (implemented by the resolver)."""

    def resolve(self, dotted: str, lazy: bool) -> Target:
        """The target of a dotted name; raises ``Unresolvable`` where the runtime would fail."""
        raise NotImplementedError

    def value(self, expr: TypeExpr) -> Any:
        """A literal value, following module constants; raises ``ValueError``."""
        raise NotImplementedError


_LIST = {
    "builtins.list",
    "typing.List",
    "typing.Sequence",
    "typing.MutableSequence",
    "collections.abc.Sequence",
    "collections.abc.MutableSequence",
}
_DICT = {
    "builtins.dict",
    "typing.Dict",
    "typing.Mapping",
    "typing.MutableMapping",
    "collections.abc.Mapping",
    "collections.abc.MutableMapping",
}
_BARE_CONTAINERS = {
    "builtins.list": "list",
    "typing.List": "list",
    "typing.Sequence": "list",
    "typing.MutableSequence": "list",
    "builtins.dict": "dict",
    "typing.Dict": "dict",
    "typing.Mapping": "dict",
    "typing.MutableMapping": "dict",
    "builtins.tuple": "tuple",
    "typing.Tuple": "tuple",
}
_CALLABLE = {"typing.Callable", "collections.abc.Callable"}
_UNION = {"typing.Union"}
_OPTIONAL = {"typing.Optional"}
_LITERAL = {"typing.Literal", "typing_extensions.Literal"}
_ANNOTATED = {"typing.Annotated", "typing_extensions.Annotated"}
_TYPE = {"builtins.type", "typing.Type"}
_TUPLE = {"builtins.tuple", "typing.Tuple"}


def normalize(qualname: str) -> str:
    """Spell typing names one way (``typing_extensions.X`` as ``typing.X``)."""
    if qualname.startswith("typing_extensions."):
        return "typing." + qualname[len("typing_extensions.") :]
    return qualname


@dataclass
class Translation:
    """An annotation's spec plus the classes it names (for ``ArgInfo.classes``)."""

    spec: StaticSpec
    classes: list[str]


class Translator:
    """Translate type expressions to static specs in one module's context."""

    def __init__(self, ctx: Context, lazy: bool, raw: bool = False) -> None:
        self.ctx = ctx
        self.lazy = lazy
        # ``raw``: the annotation object as written, unevaluated (the runtime keeps it when
        # ``get_type_hints`` fails for the signature): strings inside typing generics stay
        # ``ForwardRef('X')``, strings inside builtin generics stay plain strings.
        self.raw = raw
        self._quote = ""
        self.failed = False
        self.classes: list[str] = []

    def spec(self, expr: TypeExpr | None) -> StaticSpec:
        """The static spec of an annotation (``Any`` when it does not resolve at runtime)."""
        if expr is None:
            return ANY
        try:
            return self._spec(expr, self.lazy)
        except Unresolvable:
            self.failed = True
            self.classes = []
            return ANY

    def _str_or_any(self, expr: TypeExpr, lazy: bool) -> bool:
        t = self._target(expr, lazy)
        return t is not None and normalize(t.qualname) in ("builtins.str", "typing.Any")

    def _target(self, expr: TypeExpr, lazy: bool) -> Target | None:
        if expr[0] == "d":
            return self.ctx.resolve(expr[1], lazy)
        if expr[0] == "l" and expr[3] is not None:
            return self._target(convert_text(expr[3]), True)
        return None

    def _spec(self, expr: TypeExpr, lazy: bool) -> StaticSpec:
        tag = expr[0]
        if tag == "l":
            if expr[1] == "None":
                return NONE
            if expr[3] is not None:  # a string: a forward reference
                if self.raw and self._quote:
                    text = f"ForwardRef({expr[3]!r})" if self._quote == "typing" else expr[3]
                    return StaticSpec("any", text)
                return self._spec(convert_text(expr[3]), True)
            return StaticSpec("any", expr[2])
        if tag == "d":
            return self._named(self.ctx.resolve(expr[1], lazy), lazy)
        if tag == "u":
            return self._union([o for o in expr[1]], lazy)
        if tag == "s":
            return self._subscript(expr, lazy)
        if tag == "e":
            return StaticSpec("any", "Ellipsis")
        return ANY

    def _named(self, t: Target, lazy: bool) -> StaticSpec:
        q = normalize(t.qualname)
        simple = SIMPLE.get(q)
        if simple is not None:
            return simple
        if t.kind == "alias" and t.expr is not None:
            sub = Translator(t.context, False)
            spec = sub._spec(t.expr, False)
            self.classes.extend(sub.classes)
            return spec
        bare = _BARE_CONTAINERS.get(q)
        if bare == "list":
            return StaticSpec("list", item=ANY)
        if bare == "dict":
            return StaticSpec("dict", item=ANY)
        if bare == "tuple":
            return StaticSpec("tuple", item=ANY)
        if q in _CALLABLE:
            return StaticSpec("callable", "Callable")
        if q in _TYPE:
            return StaticSpec("object", "type", qualname="builtins.type")
        if t.kind == "enum":
            return StaticSpec("enum", t.name, qualname=t.qualname, choices=list(t.members))
        if t.kind in ("protocol", "typing_class"):
            return StaticSpec("any", t.name)
        if t.kind == "typevar":
            return StaticSpec("any", t.name)
        if t.kind in ("class", "unknown", "builtin", "function"):
            if t.kind in ("class", "function"):
                self.classes.append(t.qualname)
            return StaticSpec("object", t.name or q.rpartition(".")[2], qualname=t.qualname)
        if t.kind == "typing":
            return StaticSpec("any", t.name)
        return ANY

    def _flat_union(self, opts: list[TypeExpr], lazy: bool) -> list[TypeExpr]:
        out: list[TypeExpr] = []
        for o in opts:
            if o[0] == "u":
                out.extend(self._flat_union(o[1], lazy))
                continue
            if o[0] == "s":
                t = self._target(o[1], lazy)
                if t is not None and normalize(t.qualname) in _UNION:
                    out.extend(self._flat_union(o[2], lazy))
                    continue
                if t is not None and normalize(t.qualname) in _OPTIONAL and o[2]:
                    out.extend(self._flat_union([o[2][0], ["l", "None", "None", None]], lazy))
                    continue
            if o[0] == "d" or (o[0] == "l" and o[3] is not None):
                t = self._target(o, lazy)
                if t is not None and t.kind == "alias" and t.expr is not None:
                    # Aliased unions flatten into the outer union, like typing does.
                    alias = t.expr
                    if alias[0] == "u" or (alias[0] == "s" and self._is_union_head(t, alias)):
                        sub = Translator(t.context, False)
                        spec = sub._spec(alias, False)
                        self.classes.extend(sub.classes)
                        out.append(["spec", spec])
                        continue
            out.append(o)
        return out

    def _is_union_head(self, t: Target, alias: TypeExpr) -> bool:
        head = Translator(t.context, False)._target(alias[1], False)
        return head is not None and normalize(head.qualname) in (_UNION | _OPTIONAL)

    def _union(self, opts: list[TypeExpr], lazy: bool) -> StaticSpec:
        specs: list[StaticSpec] = []
        seen: set[str] = set()
        for o in self._flat_union(opts, lazy):
            if o[0] == "spec":
                parts = o[1].options if o[1].kind == "union" and not o[1].constraints else [o[1]]
            else:
                parts = [self._spec(o, lazy)]
            for s in parts:
                key = repr(s)
                if key in seen:
                    continue
                seen.add(key)
                specs.append(s)
        if len(specs) == 1:
            return specs[0]
        if len(specs) == 2 and any(s.kind == "none" for s in specs):
            inner = next(s for s in specs if s.kind != "none")
            return optional(inner)
        return StaticSpec("union", options=specs, nullable=any(s.nullable for s in specs))

    def _literals(self, args: list[TypeExpr], lazy: bool) -> tuple[list[str], list[str]]:
        reprs: list[str] = []
        sources: list[str] = []
        for a in args:
            if a[0] == "s":
                t = self._target(a[1], lazy)
                if t is not None and normalize(t.qualname) in _LITERAL:
                    r, s = self._literals(a[2], lazy)
                    for x, y in zip(r, s, strict=True):
                        if x not in reprs:
                            reprs.append(x)
                            sources.append(y)
                    continue
            if a[0] == "l":
                if a[2] not in reprs:
                    reprs.append(a[2])
                    sources.append(a[1])
            elif a[0] == "d":
                # An enum member: Literal[Color.RED]
                head, _, member = a[1].rpartition(".")
                t = self.ctx.resolve(head, lazy) if head else None
                text = f"<{t.name}.{member}: ...>" if t is not None else a[1]
                if text not in reprs:
                    reprs.append(text)
                    sources.append(a[1])
        return reprs, sources

    def _subscript(self, expr: TypeExpr, lazy: bool) -> StaticSpec:
        t = self._target(expr[1], lazy)
        args: list[TypeExpr] = expr[2]
        if t is None:
            return ANY
        if t.kind == "alias" and t.expr is not None:
            return ANY  # a generic alias subscripted again: rare, not modelled
        q = normalize(t.qualname)
        quote = self._quote
        self._quote = "builtin" if q.startswith("builtins.") else "typing"
        try:
            return self._subscript_of(q, t, args, lazy)
        finally:
            self._quote = quote

    def _subscript_of(self, q: str, t: Target, args: list[TypeExpr], lazy: bool) -> StaticSpec:
        if q in _ANNOTATED:
            base = self._spec(args[0], lazy) if args else ANY
            extra = [c for c in (self._constraint(m, lazy) for m in args[1:]) if c is not None]
            return with_constraints(base, extra) if extra else base
        if q in _LITERAL:
            reprs, sources = self._literals(args, lazy)
            return StaticSpec("literal", choices=reprs, sources=sources, nullable="None" in reprs)
        if q in _UNION:
            return self._union(args, lazy)
        if q in _OPTIONAL:
            return self._union([args[0], ["l", "None", "None", None]], lazy)
        if q in _LIST:
            return StaticSpec("list", item=self._spec(args[0], lazy) if args else ANY)
        if q in _DICT:
            if args and not self._str_or_any(args[0], lazy):
                return ANY  # as at run time: only string keys make a symbolic dict
            return StaticSpec("dict", item=self._spec(args[1], lazy) if len(args) == 2 else ANY)
        if q in _TUPLE:
            if len(args) == 1 and args[0][0] == "T" and not args[0][1]:
                return StaticSpec("tuple", item=ANY)  # tuple[()] has no args at runtime
            if len(args) == 2 and args[1][0] == "e":
                return StaticSpec("tuple", item=self._spec(args[0], lazy))
            if not args:
                return StaticSpec("tuple", item=ANY)
            return StaticSpec("tuple", fixed=True, options=[self._spec(a, lazy) for a in args])
        if q in _TYPE:
            inner = self._target(args[0], lazy) if args else None
            if inner is not None and inner.kind in (
                "class",
                "enum",
                "protocol",
                "unknown",
                "builtin",
            ):
                return StaticSpec("type", f"type[{inner.name}]", qualname=inner.qualname)
            return StaticSpec("object", "type", qualname="builtins.type")
        if q in _CALLABLE:
            for a in args:
                self._spec(a, lazy) if a[0] not in ("L", "e") else None
            return StaticSpec("callable", "Callable")
        # Another generic (Iterable[int], a user's Box[T]): AnySpec prints the alias.
        return StaticSpec("any", self._generic_text(t, args, lazy))

    def _generic_text(self, t: Target, args: list[TypeExpr], lazy: bool) -> str:
        q = normalize(t.qualname)
        head = q.removeprefix("typing.") if q.startswith("typing.") else q
        if q.startswith("collections.abc."):
            head = q
        inner = ", ".join(self._arg_text(a, lazy) for a in args)
        return f"{head}[{inner}]"

    def _arg_text(self, a: TypeExpr, lazy: bool) -> str:
        if a[0] == "d":
            t = self.ctx.resolve(a[1], lazy)
            q = normalize(t.qualname)
            if q.startswith("builtins."):
                return q[len("builtins.") :]
            return q.removeprefix("typing.")
        if a[0] == "l":
            return a[1]
        if a[0] == "s":
            t = self._target(a[1], lazy)
            if t is not None:
                return self._generic_text(t, a[2], lazy)
        if a[0] == "e":
            return "..."
        return "Any"

    def _constraint(self, meta: TypeExpr, lazy: bool) -> str | None:
        if meta[0] != "c":
            return None
        fn = self._target(meta[1], False)
        if fn is None:
            return None
        args = [self._value(a) for a in meta[2]]
        kwargs = {k: self._value(v) for k, v in meta[3]}
        text = constraint_text(normalize(fn.qualname), args, kwargs)
        return None if text is None or "<opaque>" in text else text

    def _value(self, expr: TypeExpr) -> Any:
        try:
            return self.ctx.value(expr)
        except (ValueError, SyntaxError, TypeError):
            return _OPAQUE


def has_string(expr: Any) -> bool:
    """Whether a type expression holds a string literal anywhere (a possible forward ref)."""
    if not isinstance(expr, list) or not expr:
        return False
    if not isinstance(expr[0], str):  # a list of expressions (subscript arguments)
        return any(has_string(x) for x in expr)
    if expr[0] == "l":
        return expr[3] is not None
    return any(has_string(x) for x in expr[1:] if isinstance(x, list))


def fails(expr: TypeExpr | None, ctx: Context, *, lazy: bool) -> bool:
    """Whether evaluating this annotation would raise at runtime (a name not bound yet)."""
    if not lazy and not has_string(expr):
        return False  # evaluated when the function was defined: it did not raise
    tr = Translator(ctx, lazy)
    tr.spec(expr)
    return tr.failed


def translate(
    expr: TypeExpr | None,
    ctx: Context,
    *,
    lazy: bool,
    raw: bool = False,
    default_none: bool = False,
    var_positional: bool = False,
) -> Translation:
    """An argument's spec from its annotation, like ``schema.from_signature`` builds it."""
    tr = Translator(ctx, lazy, raw=raw and not (expr is not None and _is_string(expr)))
    spec = tr.spec(expr)
    if default_none:
        spec = optional(spec)
    if var_positional:
        spec = StaticSpec("list", item=spec)
    return Translation(spec, list(dict.fromkeys(tr.classes)))


def _is_string(expr: TypeExpr) -> bool:
    return expr[0] == "l" and expr[3] is not None


def top_choices(spec: StaticSpec, enum_members: Callable[[str], list[str]]) -> list[str]:
    """Completion choices for a value of this spec: literals, enum members, bools, None."""
    out: list[str] = []
    nullable = spec.nullable
    options = spec.options if spec.kind == "union" else [spec]
    for o in options:
        if o.kind == "literal":
            out.extend(src for src, r in zip(o.sources, o.choices, strict=True) if r != "None")
        elif o.kind == "enum":
            out.extend(f"{o.text}.{m}" for m in enum_members(o.qualname))
        elif o.kind == "bool":
            out.extend(["True", "False"])
    if out and nullable:
        out.append("None")
    return list(dict.fromkeys(out))

"""Static specs: the runtime ``Spec`` tree of an argument, known without importing anything.

A ``StaticSpec`` mirrors ``graftlab.symbolic.typespec`` node for node, so its
``full_description()`` prints exactly what the runtime ``Field.spec`` prints; constraint
texts mirror the runtime's ``Annotated`` constraints (ranges, lengths).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class StaticSpec:
    """One node of the runtime spec tree, known statically."""

    kind: str  # any bool int float str none literal enum union list tuple dict object type callable
    text: str = ""  # the describe() text for kinds that carry a name
    options: list[StaticSpec] = field(default_factory=list)  # union options, tuple items
    item: StaticSpec | None = None  # list item / dict value / tuple rest
    fixed: bool = False  # tuple with fixed items
    choices: list[str] = field(default_factory=list)  # literal reprs
    sources: list[str] = field(default_factory=list)  # literal source spellings
    qualname: str = ""  # enum / object class
    constraints: list[str] = field(default_factory=list)
    nullable: bool = False

    def describe(self) -> str:
        """``Spec.describe()``."""
        k = self.kind
        if k == "literal":
            return "Literal[" + ", ".join(self.choices) + "]"
        if k == "union":
            inner = [o for o in self.options if o.kind != "none"]
            text = " | ".join(o.full_description() for o in inner)
            return f"{text} | None" if self.nullable else text
        if k == "list":
            return f"list[{_full(self.item)}]"
        if k == "dict":
            return f"dict[str, {_full(self.item)}]"
        if k == "tuple":
            if not self.fixed:
                return f"tuple[{_full(self.item)}, ...]"
            return "tuple[" + ", ".join(o.full_description() for o in self.options) + "]"
        return self.text

    def full_description(self) -> str:
        """``Spec.full_description()``: describe() plus the constraints."""
        if not self.constraints:
            return self.describe()
        return self.describe() + ", " + ", ".join(self.constraints)


def _full(spec: StaticSpec | None) -> str:
    return ANY.full_description() if spec is None else spec.full_description()


ANY = StaticSpec("any", "Any")
NONE = StaticSpec("none", "None", nullable=True)
SIMPLE = {
    "builtins.bool": StaticSpec("bool", "bool"),
    "builtins.int": StaticSpec("int", "int"),
    "builtins.float": StaticSpec("float", "float"),
    "builtins.str": StaticSpec("str", "str"),
    "builtins.None": NONE,
    "types.NoneType": NONE,
    "typing.Any": ANY,
    "builtins.object": ANY,
}


def optional(spec: StaticSpec) -> StaticSpec:
    """``typespec.optional``: the spec that also accepts ``None``."""
    if spec.nullable:
        return spec
    return StaticSpec("union", options=[spec, NONE], nullable=True)


def with_constraints(spec: StaticSpec, extra: list[str]) -> StaticSpec:
    """A copy of ``spec`` with more constraints."""
    return StaticSpec(**{**spec.__dict__, "constraints": [*spec.constraints, *extra]})


# --- constraints from Annotated metadata ------------------------------------------------------


def _range_text(lo: Any, hi: Any, lo_inc: bool = True, hi_inc: bool = True) -> str:
    parts = []
    if lo is not None:
        parts.append(f"{'>=' if lo_inc else '>'} {lo!r}")
    if hi is not None:
        parts.append(f"{'<=' if hi_inc else '<'} {hi!r}")
    return " and ".join(parts) or "any number"


def _length_text(lo: Any, hi: Any) -> str:
    if lo == 1 and hi is None:
        return "non-empty"
    a = "" if lo is None else f">= {lo}"
    b = "" if hi is None else f"<= {hi}"
    return "length " + " and ".join(p for p in (a, b) if p)


def constraint_text(func: str, args: list[Any], kwargs: dict[str, Any]) -> str | None:
    """``Constraint.describe()`` for a call of a known constraint, by qualified name."""
    head, _, last = func.rpartition(".")
    top = head.partition(".")[0]

    def arg(i: int, key: str, default: Any = None) -> Any:
        return args[i] if i < len(args) else kwargs.get(key, default)

    if top == "graftlab":
        if last == "Range":
            return _range_text(
                arg(0, "min"),
                arg(1, "max"),
                arg(2, "min_inclusive", True),
                arg(3, "max_inclusive", True),
            )
        if last == "Length":
            return _length_text(arg(0, "min"), arg(1, "max"))
        if last == "NonEmpty":
            return "non-empty"
        if last == "Predicate":
            return str(arg(1, "description", ""))
        return None
    if top == "annotated_types":
        if last in ("Gt", "Ge", "Lt", "Le"):
            v = arg(0, last.lower())
            lo = v if last in ("Gt", "Ge") else None
            hi = v if last in ("Lt", "Le") else None
            return _range_text(lo, hi, last != "Gt", last != "Lt")
        if last == "Interval":
            lo, lo_inc, hi, hi_inc = kwargs.get("ge"), True, kwargs.get("le"), True
            if kwargs.get("gt") is not None:
                lo, lo_inc = kwargs["gt"], False
            if kwargs.get("lt") is not None:
                hi, hi_inc = kwargs["lt"], False
            return _range_text(lo, hi, lo_inc, hi_inc)
        if last == "MinLen":
            return _length_text(arg(0, "min_length"), None)
        if last == "MaxLen":
            return _length_text(None, arg(0, "max_length"))
        if last == "Len":
            return _length_text(arg(0, "min_length", 0), arg(1, "max_length"))
    return None

"""Constraints placed on values through ``typing.Annotated``.

``Annotated[int, gl.Range(1, 1024)]`` or ``Annotated[list[int], gl.NonEmpty()]``. Constraints
from the ``annotated_types`` package (``Gt``, ``Ge``, ``Lt``, ``Le``, ``Interval``,
``MinLen``, ``MaxLen``) are understood too, by their attributes, without importing it.
A plain string inside ``Annotated`` is taken as the argument's help text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class Constraint:
    """A check on a value that already has the right type."""

    def violation(self, value: Any) -> str | None:
        """A sentence saying what is wrong with ``value``, or ``None`` if it is fine."""
        raise NotImplementedError

    def describe(self) -> str:
        """A short text for error messages, hover and documentation."""
        raise NotImplementedError


@dataclass(frozen=True)
class Range(Constraint):
    """Numbers between ``min`` and ``max`` (inclusive unless told otherwise)."""

    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True

    def violation(self, value: Any) -> str | None:
        if value != value:  # NaN compares false with every bound: never in range
            return f"{value!r} is not a number: expected {self.describe()}"
        lo, hi = self.min, self.max
        if lo is not None and (value < lo if self.min_inclusive else value <= lo):
            return f"{value!r} is out of range: expected {self.describe()}"
        if hi is not None and (value > hi if self.max_inclusive else value >= hi):
            return f"{value!r} is out of range: expected {self.describe()}"
        return None

    def describe(self) -> str:
        parts = []
        if self.min is not None:
            parts.append(f"{'>=' if self.min_inclusive else '>'} {self.min!r}")
        if self.max is not None:
            parts.append(f"{'<=' if self.max_inclusive else '<'} {self.max!r}")
        return " and ".join(parts) or "any number"


@dataclass(frozen=True)
class Length(Constraint):
    """Sized values (strings, lists, dicts) with a length between ``min`` and ``max``."""

    min: int | None = None
    max: int | None = None

    def violation(self, value: Any) -> str | None:
        n = len(value)
        if (self.min is not None and n < self.min) or (self.max is not None and n > self.max):
            return f"length {n} is out of range: expected {self.describe()}"
        return None

    def describe(self) -> str:
        if self.min == 1 and self.max is None:
            return "non-empty"
        lo = "" if self.min is None else f">= {self.min}"
        hi = "" if self.max is None else f"<= {self.max}"
        return "length " + " and ".join(p for p in (lo, hi) if p)


def NonEmpty() -> Length:
    """Strings, lists and dicts that must not be empty."""
    return Length(min=1)


@dataclass(frozen=True)
class Predicate(Constraint):
    """An arbitrary check with a description: ``Predicate(lambda x: x % 2 == 0, 'even')``."""

    fn: Any
    description: str

    def violation(self, value: Any) -> str | None:
        return None if self.fn(value) else f"{value!r} is not {self.description}"

    def describe(self) -> str:
        return self.description


def from_metadata(item: Any) -> Constraint | None:
    """Turn one ``Annotated`` metadata item into a constraint (``None`` if it is not one)."""
    if isinstance(item, Constraint):
        return item
    names = {n for n in ("gt", "ge", "lt", "le", "min_length", "max_length") if hasattr(item, n)}
    if not names or type(item).__module__.split(".")[0] != "annotated_types":
        return None
    if names & {"min_length", "max_length"}:
        return Length(getattr(item, "min_length", None), getattr(item, "max_length", None))
    lo, lo_inc, hi, hi_inc = None, True, None, True
    if getattr(item, "ge", None) is not None:
        lo = item.ge
    if getattr(item, "gt", None) is not None:
        lo, lo_inc = item.gt, False
    if getattr(item, "le", None) is not None:
        hi = item.le
    if getattr(item, "lt", None) is not None:
        hi, hi_inc = item.lt, False
    return Range(lo, hi, lo_inc, hi_inc)

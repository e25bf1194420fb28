"""Constraints from ``Annotated``: Range, Length, NonEmpty, Predicate, annotated_types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pytest

import graftlab as gl
from graftlab.symbolic.constraints import from_metadata


@pytest.mark.parametrize(
    ("rng", "ok", "bad"),
    [
        (gl.Range(0, 10), [0, 5, 10], [-1, 11]),
        (gl.Range(0, 10, min_inclusive=False), [1, 10], [0]),
        (gl.Range(0, 10, max_inclusive=False), [0, 9.99], [10]),
        (gl.Range(min=1), [1, 10**9], [0]),
        (gl.Range(max=1), [-(10**9), 1], [2]),
    ],
)
def test_range(rng: gl.Range, ok: list[float], bad: list[float]) -> None:
    for v in ok:
        assert rng.violation(v) is None
    for v in bad:
        msg = rng.violation(v)
        assert msg is not None and f"{v!r} is out of range" in msg and rng.describe() in msg


def test_range_describe() -> None:
    assert gl.Range(0, 1).describe() == ">= 0 and <= 1"
    assert gl.Range(0, 1, False, False).describe() == "> 0 and < 1"
    assert gl.Range().describe() == "any number"
    assert gl.Range().violation(-1e300) is None


def test_length_and_non_empty() -> None:
    assert gl.NonEmpty() == gl.Length(min=1)
    assert gl.NonEmpty().describe() == "non-empty"
    assert gl.NonEmpty().violation([]) == "length 0 is out of range: expected non-empty"
    assert gl.NonEmpty().violation("x") is None
    two_three = gl.Length(2, 3)
    assert two_three.describe() == "length >= 2 and <= 3"
    assert two_three.violation({"a": 1}) is not None
    assert two_three.violation([1, 2, 3]) is None
    assert two_three.violation("abcd") is not None
    assert gl.Length(max=0).describe() == "length <= 0"


def test_predicate() -> None:
    even = gl.Predicate(lambda x: x % 2 == 0, "even")
    assert even.violation(2) is None
    assert even.violation(3) == "3 is not even"
    assert even.describe() == "even"


def test_constraints_in_schema_report_path_and_range_error() -> None:
    @gl.symbolize
    class Layer:
        def __init__(
            self,
            width: Annotated[int, gl.Range(1, 1024)],
            names: Annotated[list[str], gl.NonEmpty()] = ("a",),
            odd: Annotated[int, gl.Predicate(lambda x: x % 2 == 1, "odd")] = 1,
        ) -> None:
            self.width = width

    assert Layer(1024).width == 1024
    with pytest.raises(gl.RangeError) as info:
        Layer(0)
    assert info.value.path == gl.KeyPath.parse("width")
    assert "0 is out of range: expected >= 1 and <= 1024" in str(info.value)
    with pytest.raises(
        gl.RangeError, match=r"names: .*length 0 is out of range: expected non-empty"
    ):
        Layer(3, names=[])
    with pytest.raises(gl.RangeError, match=r"odd: .*2 is not odd"):
        Layer(3, odd=2)
    layer = Layer(3)
    with pytest.raises(gl.RangeError) as info:
        layer.rebind(width=2000)
    assert info.value.path == gl.KeyPath.parse("width")
    assert layer.width == 3


def test_plain_string_metadata_is_not_a_constraint() -> None:
    assert from_metadata("help text") is None
    assert from_metadata(3) is None
    r = gl.Range(0, 1)
    assert from_metadata(r) is r


# Stand-ins with the module and attribute names of the ``annotated_types`` package: graftlab
# recognizes those by module name and attributes, without importing the package.
@dataclass(frozen=True)
class Gt:
    gt: Any


@dataclass(frozen=True)
class Le:
    le: Any


@dataclass(frozen=True)
class Interval:
    gt: Any = None
    ge: Any = None
    lt: Any = None
    le: Any = None


@dataclass(frozen=True)
class MaxLen:
    max_length: int


for _cls in (Gt, Le, Interval, MaxLen):
    _cls.__module__ = "annotated_types"


@dataclass(frozen=True)
class NotAnnotatedTypes:
    gt: Any


def test_annotated_types_by_attributes() -> None:
    assert from_metadata(Gt(0)) == gl.Range(0, None, False, True)
    assert from_metadata(Le(5)) == gl.Range(None, 5)
    assert from_metadata(Interval(ge=1, lt=3)) == gl.Range(1, 3, True, False)
    assert from_metadata(MaxLen(2)) == gl.Length(None, 2)
    assert from_metadata(NotAnnotatedTypes(1)) is None
    spec = gl.symbolic.typespec.spec_for(Annotated[float, Gt(0)])
    assert spec.check(0.5) == 0.5
    with pytest.raises(gl.RangeError, match="expected > 0"):
        spec.check(0.0)


def test_range_rejects_nan() -> None:
    # NaN compares false with every bound, so it used to pass any range (change_lr?nan).
    nan = float("nan")
    for r in (
        gl.Range(0, 10),
        gl.Range(0, None),
        gl.Range(None, 1),
        gl.Range(0, 1, min_inclusive=False),
    ):
        assert r.violation(nan) is not None
        assert "not a number" in (r.violation(nan) or "")
    assert gl.Range(0, 10).violation(5.0) is None

"""Value specs compiled from annotations: what each accepts, converts and rejects."""

from __future__ import annotations

import collections.abc
import enum
import fractions
from typing import Annotated, Any, Literal, Optional, Union

import pytest

import graftlab as gl
from graftlab.symbolic.typespec import (
    ANY,
    AnySpec,
    CallableSpec,
    DictSpec,
    EnumSpec,
    ListSpec,
    LiteralSpec,
    ObjectSpec,
    TupleSpec,
    TypeSpec,
    UnionSpec,
    spec_for,
)


class Color(enum.Enum):
    RED = 1
    BLUE = 2


class Animal:
    pass


class Dog(Animal):
    pass


def reject(spec: Any, value: Any, *, path: str = "", contains: str = "") -> gl.ValidationError:
    with pytest.raises(gl.ValidationError) as info:
        spec.check(value)
    assert str(info.value.path or "") == path
    assert contains in str(info.value)
    return info.value


def test_int() -> None:
    s = spec_for(int)
    assert s.check(3) == 3
    assert type(s.check(3)) is int
    reject(s, True, contains="expected int, got bool True")
    # Issue #12: a whole float is what legacy ``int`` code received and ran with; kept as is.
    assert s.check(3.0) == 3 and type(s.check(3.0)) is float
    reject(s, 3.5, contains="expected int, got float 3.5")
    reject(s, "3", contains="expected int")
    assert s.describe() == "int"


def test_float_converts_ints_and_rationals() -> None:
    s = spec_for(float)
    assert s.check(2) == 2.0 and type(s.check(2)) is float
    assert s.check(fractions.Fraction(1, 2)) == 0.5
    reject(s, False, contains="expected float")
    reject(s, "1.0", contains="expected float, got str '1.0'")
    nan = s.check(float("nan"))
    assert nan != nan


def test_bool_and_str() -> None:
    assert spec_for(bool).check(True) is True
    reject(spec_for(bool), 1, contains="expected bool")
    assert spec_for(str).check("x") == "x"
    reject(spec_for(str), b"x", contains="expected str")


def test_none_optional_and_union() -> None:
    s = spec_for(Optional[int])  # noqa: UP045 - the typing spelling is what is tested
    assert s.nullable
    assert s.check(None) is None and s.check(1) == 1
    reject(s, "x", contains="expected int | None")
    u = spec_for(Union[int, str])  # noqa: UP007
    assert isinstance(u, UnionSpec)
    assert u.check("a") == "a" and u.check(2) == 2
    reject(u, 1.5, contains="expected int | str")
    assert spec_for(int | None).describe() == "int | None"


def test_union_reports_deep_failure_of_matching_option() -> None:
    s = spec_for(Union[list[int], str])  # noqa: UP007
    err = reject(s, [1, "x"], path="[1]", contains="expected int")
    assert isinstance(err, gl.ValidationError)


def test_literal() -> None:
    s = spec_for(Literal["relu", "gelu", 1])
    assert isinstance(s, LiteralSpec)
    assert s.check("gelu") == "gelu"
    assert s.check(1) == 1
    reject(s, True, contains="expected one of 'relu', 'gelu', 1, got True")
    reject(s, "tanh", contains="got 'tanh'")
    assert spec_for(Literal["a", None]).nullable


def test_enum() -> None:
    s = spec_for(Color)
    assert isinstance(s, EnumSpec)
    assert s.check(Color.RED) is Color.RED
    reject(s, 1, contains="expected one of Color.RED, Color.BLUE, got 1")
    reject(s, "RED", contains="Color.RED")


def test_list_wraps_and_checks_items() -> None:
    s = spec_for(list[int])
    assert isinstance(s, ListSpec)
    out = s.check([1, 2])
    assert isinstance(out, gl.SymList) and out == [1, 2]
    # Issue #12: a tuple stays a tuple (the original __init__ gets what was passed).
    assert s.check((1, 2)) == (1, 2) and type(s.check((1, 2))) is tuple
    reject(s, [1, "2"], path="[1]", contains="expected int, got str '2'")
    reject(s, "ab", contains="expected list[int]")
    reject(s, {"a": 1}, contains="expected list[int]")
    assert spec_for(collections.abc.Sequence[float]).check([1]) == [1.0]
    assert spec_for(list).check([[1]])[0] == [1]
    assert isinstance(spec_for(list).check([[1]])[0], gl.SymList)


def test_nested_error_paths() -> None:
    s = spec_for(dict[str, list[tuple[int, str]]])
    reject(s, {"a": [(1, "x"), (2, 3)]}, path="a[1][1]", contains="expected str, got int 3")


def test_dict() -> None:
    s = spec_for(dict[str, float])
    assert isinstance(s, DictSpec)
    out = s.check({"a": 1})
    assert isinstance(out, gl.SymDict) and out["a"] == 1.0 and type(out["a"]) is float
    reject(s, {"a": "x"}, path="a", contains="expected float")
    reject(s, {1: 1.0}, contains="dict keys must be str, got int 1")
    reject(s, [1], contains="expected dict[str, float]")
    assert spec_for(dict[int, float], where="C.x").describe() == "Any"  # opaque, not symbolic


def test_tuple_fixed_and_variadic() -> None:
    s = spec_for(tuple[int, str])
    assert isinstance(s, TupleSpec)
    assert s.check([1, "a"]) == (1, "a")
    assert type(s.check([1, "a"])) is tuple
    reject(s, (1,), contains="expected a tuple of 2 items (tuple[int, str]), got 1")
    reject(s, (1, 2), path="[1]", contains="expected str")
    v = spec_for(tuple[float, ...])
    assert v.check((1, 2, 3)) == (1.0, 2.0, 3.0)
    reject(v, (1, "x"), path="[1]", contains="expected float")
    assert spec_for(tuple[()]).check(()) == ()
    assert spec_for(tuple).check((1, "x")) == (1, "x")


def test_object_type_and_callable() -> None:
    s = spec_for(Animal)
    assert isinstance(s, ObjectSpec)
    d = Dog()
    assert s.check(d) is d
    reject(s, 3, contains="expected Animal, got int 3")
    t = spec_for(type[Animal])
    assert isinstance(t, TypeSpec)
    assert t.check(Dog) is Dog
    reject(t, int, contains="expected type[Animal]")
    reject(t, Dog(), contains="expected type[Animal]")
    c = spec_for(collections.abc.Callable[[int], int])
    assert isinstance(c, CallableSpec)
    assert c.check(len) is len
    reject(c, 3, contains="expected Callable")


def test_object_spec_accepts_symbolic_call_returning_the_class() -> None:
    @gl.symbolize
    def make_dog() -> Dog:
        return Dog()

    call = make_dog()
    assert spec_for(Animal).check(call) is call
    with pytest.raises(gl.ValidationError):
        spec_for(Color).check(call)


def test_any() -> None:
    assert spec_for(Any) is ANY
    assert spec_for(object) is ANY
    assert isinstance(ANY.check([1]), gl.SymList)
    assert isinstance(ANY.check({"a": 1}), gl.SymDict)
    marker = object()
    assert ANY.check(marker) is marker
    assert isinstance(spec_for(collections.abc.Iterable[int]), AnySpec)


def test_annotated_constraints_apply() -> None:
    s = spec_for(Annotated[int, gl.Range(0, 10)])
    assert s.check(10) == 10
    err = reject(s, 11, contains="11 is out of range: expected >= 0 and <= 10")
    assert isinstance(err, gl.RangeError) and isinstance(err, ValueError)
    reject(s, "x", contains="expected int")
    assert s.full_description() == "int, >= 0 and <= 10"
    lst = spec_for(list[Annotated[float, gl.Range(min=0.0, min_inclusive=False)]])
    reject(lst, [1.0, 0.0], path="[1]", contains="expected > 0.0")
    assert lst.describe() == "list[float, > 0.0]"


def test_with_constraints_does_not_mutate_shared_spec() -> None:
    base = spec_for(int)
    constrained = base.with_constraints((gl.Range(0, 1),))
    assert base.constraints == ()
    assert base.check(5) == 5
    with pytest.raises(gl.RangeError):
        constrained.check(5)


def test_spec_equality_and_repr() -> None:
    assert spec_for(list[int]) == spec_for(list[int])
    assert spec_for(list[int]) != spec_for(list[str])
    assert hash(spec_for(list[int])) == hash(spec_for(list[int]))
    assert repr(spec_for(Annotated[int, gl.Range(1, 2)])) == "<int (>= 1 and <= 2)>"

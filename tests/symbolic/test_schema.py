"""Schemas: reading signatures, binding calls, defaults and error messages."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Annotated, Any

import pytest

import graftlab as gl


@gl.symbolize
class Conv:
    """A convolution."""

    def __init__(self, features: int, kernel: tuple[int, int] = (3, 3), rate: float = 1) -> None:
        self.features = features
        self.kernel = kernel
        self.rate = rate


@gl.symbolize
class Stack:
    def __init__(
        self,
        layers: list[Conv] = (),
        default: Conv = Conv(8),  # noqa: B008 - a symbolic default, copied per object
        opts: dict[str, int] | None = None,
    ) -> None:
        self.layers = layers
        self.default = default


@gl.symbolize
class PosOnly:
    def __init__(self, a: int, /, b: int = 2, *rest: str, c: int = 3, **extra: float) -> None:
        self.a, self.b, self.rest, self.c, self.extra = a, b, rest, c, extra


def test_fields_in_signature_order_with_specs_and_defaults() -> None:
    schema = gl.schema_of(Conv)
    assert list(schema.fields) == ["features", "kernel", "rate"]
    f = schema.fields["features"]
    assert f.required and f.default is gl.MISSING
    assert schema.fields["kernel"].spec.describe() == "tuple[int, int]"
    assert not schema.fields["kernel"].required
    assert repr(f) == "Field(features: int)"
    assert repr(schema.fields["rate"]) == "Field(rate: float = 1.0)"
    assert gl.schema_of(Conv(1)) is schema
    assert "Conv" in repr(schema)


def test_defaults_are_stored_like_explicit_values() -> None:
    c = Conv(1)
    assert c.rate == 1.0 and type(c.rate) is float
    assert gl.format(c) == gl.format(Conv(1, rate=1.0))
    s = Stack()
    assert isinstance(s.layers, gl.SymList) and s.layers == []
    assert gl.eq(s, Stack(layers=[]))
    assert gl.format(s, hide_defaults=True) == "Stack()"


def test_mutable_and_symbolic_defaults_are_fresh_per_object() -> None:
    a, b = Stack(), Stack()
    assert a.default is not b.default
    assert gl.eq(a.default, b.default)
    assert a.default.sym_parent is a and a.default.sym_path == gl.KeyPath(["default"])
    a.layers.append(Conv(1))
    assert b.layers == []
    a.default.rebind(features=9)
    assert b.default.features == 8
    assert gl.schema_of(Stack).fields["default"].default.features == 8


def test_none_default_makes_optional() -> None:
    spec = gl.schema_of(Stack).fields["opts"].spec
    assert spec.nullable
    assert Stack(opts=None).sym_init_args["opts"] is None


def test_binding_positional_and_keyword() -> None:
    assert Conv(4, (1, 1)).sym_init_args == {"features": 4, "kernel": (1, 1), "rate": 1.0}
    assert list(Conv(kernel=(1, 2), features=4).sym_init_args) == ["features", "kernel", "rate"]


def test_missing_argument() -> None:
    with pytest.raises(gl.MissingArgumentError) as info:
        Conv()
    assert info.value.path == gl.KeyPath(["features"])
    assert "missing required argument 'features' (int)" in str(info.value)
    assert str(info.value).startswith("features: Conv")


def test_unknown_argument_suggests_close_name() -> None:
    with pytest.raises(gl.UnknownArgumentError) as info:
        Conv(features=1, kernal=(1, 1))
    assert info.value.path == gl.KeyPath(["kernal"])
    msg = str(info.value)
    assert "has no argument 'kernal'" in msg
    assert "did you mean 'kernel'?" in msg
    assert "arguments: features, kernel, rate" in msg


def test_too_many_positional_and_duplicates() -> None:
    with pytest.raises(gl.ValidationError, match="takes 3 positional arguments but 4 were given"):
        Conv(1, (1, 1), 1.0, 5)
    with pytest.raises(gl.ValidationError, match="multiple values for argument 'features'") as info:
        Conv(1, features=2)
    assert info.value.path == gl.KeyPath(["features"])


def test_type_error_names_path_and_expectation() -> None:
    with pytest.raises(gl.ValidationError) as info:
        Stack(layers=[Conv(1), "conv"])
    assert info.value.path == gl.KeyPath.parse("layers[1]")
    assert "expected Conv, got str 'conv'" in str(info.value)
    assert isinstance(info.value, TypeError)


def test_positional_only_var_positional_and_var_keyword() -> None:
    p = PosOnly(1, 5, "x", "y", c=4, lr=1)
    assert p.sym_init_args == {"a": 1, "b": 5, "rest": ["x", "y"], "c": 4, "lr": 1.0}
    assert p.rest == ("x", "y") and p.extra == {"lr": 1.0}
    # Everything before a non-empty *args is written positionally (valid Python).
    assert gl.format(p) == "PosOnly(1, 5, 'x', 'y', c=4, lr=1.0)"
    assert gl.format(PosOnly(1, 2, "z"), hide_defaults=True) == "PosOnly(1, 2, 'z')"
    assert gl.format(PosOnly(1, c=4)) == "PosOnly(1, b=2, c=4)"
    assert gl.format(PosOnly(1, c=4), hide_defaults=True) == "PosOnly(1, c=4)"
    with pytest.raises(gl.ValidationError, match="'a' is positional-only"):
        PosOnly(a=1)
    with pytest.raises(gl.ValidationError) as info:
        PosOnly(1, 2, "x", 3)
    assert info.value.path == gl.KeyPath.parse("rest[1]")
    with pytest.raises(gl.ValidationError) as info:
        PosOnly(1, extra_arg="no")
    assert info.value.path == gl.KeyPath(["extra_arg"])
    assert "expected float" in str(info.value)
    c = gl.clone(p)
    assert gl.eq(c, p) and c.rest == ("x", "y") and c.extra == {"lr": 1.0}
    assert PosOnly(1).sym_init_args == {"a": 1, "b": 2, "rest": [], "c": 3}


def test_string_annotations_resolve_in_module_namespace() -> None:
    # This module uses ``from __future__ import annotations``: every annotation is a string.
    assert gl.schema_of(Stack).fields["layers"].spec.describe() == "list[Conv]"
    assert isinstance(Conv.__init__.__annotations__["features"], str)


def test_unresolvable_annotation_becomes_any() -> None:
    class Local:
        pass

    @gl.symbolize
    class UsesLocal:
        def __init__(self, x: Local, y: int = 0) -> None:
            self.x = x

    # ``Local`` is not in the module namespace: the field accepts anything, ``y`` stays int.
    assert UsesLocal(3).x == 3
    with pytest.raises(gl.ValidationError):
        UsesLocal(1, y="s")


def test_mapping_with_non_string_keys_is_an_opaque_value() -> None:
    @gl.symbolize
    class Table:
        def __init__(self, table: dict[int, int]) -> None:
            self.table = table

    t = Table({1: 2})
    assert t.sym_init_args["table"] == {1: 2}
    assert not gl.is_symbolic(t.sym_init_args["table"])  # kept as given, not a SymDict
    assert gl.schema_of(Table).fields["table"].spec.describe() == "Any"


def test_class_without_init_or_with_slots_is_a_schema_error() -> None:
    class NoInit:
        pass

    with pytest.raises(gl.SchemaError, match="no __init__ of its own"):
        gl.symbolize(NoInit)

    class Slotted:
        __slots__ = ("x",)

        def __init__(self, x: int) -> None:
            self.x = x

    with pytest.raises(gl.SchemaError, match="__slots__ without __dict__"):
        gl.symbolize(Slotted)
    with pytest.raises(gl.SchemaError, match="expects a class or a function"):
        gl.symbolize(3)


@gl.symbolize
@dataclasses.dataclass
class WithFactory:
    a: int
    tags: list[str] = dataclasses.field(default_factory=list)
    table: dict[str, int] = dataclasses.field(default_factory=lambda: {"x": 1})


def test_dataclass_default_factory_gives_fresh_real_defaults() -> None:
    w, v = WithFactory(1), WithFactory(2)
    assert w.sym_init_args["tags"] == [] and w.tags == []
    assert w.table == {"x": 1}
    assert w.tags is not v.tags
    w.tags.append("t")
    assert v.tags == []
    assert gl.to_json(WithFactory(1)) == {
        "__type__": gl.type_name(WithFactory),
        "a": 1,
        "tags": [],
        "table": {"x": 1},
    }
    assert gl.format(WithFactory(1), hide_defaults=True) == "WithFactory(a=1)"


_SENTINEL = object()


@gl.symbolize
class WithSentinel:
    def __init__(self, x: int = _SENTINEL, y: Annotated[int, gl.Range(0, 1)] | None = 5) -> None:  # type: ignore[assignment]
        self.x = x


def test_default_the_spec_rejects_is_kept() -> None:
    w = WithSentinel()
    assert w.sym_init_args["x"] is _SENTINEL
    assert w.sym_init_args["y"] == 5
    with pytest.raises(gl.ValidationError):
        WithSentinel(x="s")


def test_signature_is_preserved() -> None:
    sig = inspect.signature(Conv)
    assert list(sig.parameters) == ["features", "kernel", "rate"]
    assert sig.parameters["kernel"].default == (3, 3)
    assert Conv.__init__.__name__ == "__init__"
    assert Conv.__init__.__doc__ == Conv.__init__.__sym_original__.__doc__


def test_schema_check_value() -> None:
    schema = gl.schema_of(Conv)
    assert schema.check_value("rate", 2) == 2.0
    with pytest.raises(gl.UnknownArgumentError):
        schema.check_value("nope", 1)
    with pytest.raises(gl.ValidationError) as info:
        schema.check_value("kernel", (1, "x"))
    assert info.value.path == gl.KeyPath.parse("kernel[1]")


def test_any_typed_argument_wraps_lists_and_dicts() -> None:
    @gl.symbolize
    class Holder:
        def __init__(self, x: Any = None) -> None:
            self.x = x

    h = Holder([{"a": [1]}])
    assert isinstance(h.x, gl.SymList)
    assert isinstance(h.x[0], gl.SymDict)
    assert gl.path_of(h.x[0]["a"]) == gl.KeyPath.parse("x[0].a")

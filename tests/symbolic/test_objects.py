"""``symbolize`` on classes: own, third-party, dataclasses, metaclasses, subclasses."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
from typing import Any

import pytest

import graftlab as gl

# ---------------------------------------------------------------- own classes


@gl.symbolize
class Dense:
    """A dense layer.

    Args:
      features: output width.
    """

    def __init__(self, features: int, use_bias: bool = True) -> None:
        self.features = features
        self.use_bias = use_bias
        self.derived = features * 2


def test_object_keeps_class_and_arguments() -> None:
    d = Dense(4)
    assert type(d) is Dense
    assert isinstance(d, Dense)
    assert d.features == 4 and d.derived == 8
    assert d.sym_init_args == {"features": 4, "use_bias": True}
    assert d.sym_init_args.features == 4
    with pytest.raises(AttributeError):
        _ = d.sym_init_args.nope
    assert d.sym_schema is gl.schema_of(Dense)
    assert d.sym_parent is None and d.sym_path == gl.KeyPath()
    assert gl.is_symbolic(d) and not gl.is_symbolic(3)
    assert repr(d) == "Dense(features=4, use_bias=True)"


def test_signature_and_metadata_are_kept() -> None:
    sig = inspect.signature(Dense)
    assert str(sig) == "(features: 'int', use_bias: 'bool' = True) -> 'None'"
    assert Dense.__init__.__qualname__ == "Dense.__init__"
    assert Dense.__doc__.startswith("A dense layer.")


def test_pickle_by_name() -> None:
    d = Dense(3, use_bias=False)
    data = pickle.dumps(d)
    assert b"Dense" in data
    back = pickle.loads(data)
    assert type(back) is Dense and gl.eq(back, d) and back.derived == 6


def test_symbolize_is_idempotent() -> None:
    assert gl.symbolize(Dense) is Dense
    schema = gl.schema_of(Dense)
    gl.symbolize(Dense)
    assert gl.schema_of(Dense) is schema


def test_registry_by_qualified_name() -> None:
    assert gl.lookup(gl.type_name(Dense)) is Dense
    assert gl.type_name(Dense) == f"{__name__}.Dense"
    with pytest.raises(gl.RegistryError, match="unknown symbolic type"):
        gl.lookup("no.such.Type")


def test_registry_alias_and_conflict() -> None:
    @gl.symbolize(name="tests.alias.Thing")
    class Thing:
        def __init__(self, x: int = 0) -> None:
            self.x = x

    assert gl.lookup("tests.alias.Thing") is Thing

    class Other:
        def __init__(self, y: int = 0) -> None:
            self.y = y

    with pytest.raises(gl.RegistryError, match="is taken by"):
        gl.symbolize(Other, name="tests.alias.Thing")


# ------------------------------------------------- third-party-style classes


class ThirdParty:
    """Pretend this class lives in a library we cannot edit."""

    def __init__(self, width, depth=2, *, act="relu"):
        self.width = width
        self.depth = depth
        self.act = act
        self.params = [0] * width


class ThirdPartyChild(ThirdParty):
    def __init__(self, extra, **kwargs):
        super().__init__(**kwargs)
        self.extra = extra


gl.symbolize(ThirdParty)


def test_third_party_class_symbolized_from_outside() -> None:
    t = ThirdParty(3, act="gelu")
    assert type(t) is ThirdParty
    assert t.sym_init_args == {"width": 3, "depth": 2, "act": "gelu"}
    assert t.params == [0, 0, 0]
    t.rebind(width=5)
    assert t.params == [0] * 5
    assert str(inspect.signature(ThirdParty)) == "(width, depth=2, *, act='relu')"
    back = pickle.loads(pickle.dumps(t))
    assert gl.eq(back, t) and back.params == [0] * 5


def test_pass_through_kwargs_resolved_against_base_parameters() -> None:
    # ThirdPartyChild was defined before its base was symbolized; symbolize it now.
    gl.symbolize(ThirdPartyChild)
    schema = gl.schema_of(ThirdPartyChild)
    assert list(schema.fields) == ["extra", "width", "depth", "act"]
    c = ThirdPartyChild("e", width=2, act="tanh")
    assert c.width == 2 and c.extra == "e" and c.act == "tanh"
    assert c.sym_init_args == {"extra": "e", "width": 2, "act": "tanh"}
    assert gl.eq(gl.clone(c), c)
    c.rebind(depth=7)
    assert c.depth == 7
    assert gl.format(c) == "ThirdPartyChild(extra='e', width=2, depth=7, act='tanh')"


# ---------------------------------------------------------------- dataclasses


@gl.symbolize
@dataclasses.dataclass
class DC:
    a: int
    b: float = 0.5


@gl.symbolize
@dataclasses.dataclass(frozen=True)
class FrozenDC:
    a: int
    b: tuple[int, ...] = ()


def test_dataclass() -> None:
    d = DC(1)
    assert d.sym_init_args == {"a": 1, "b": 0.5}
    assert d == DC(1) and d != DC(2)
    d.rebind(b=2)
    assert d.b == 2.0 and type(d.b) is float
    with pytest.raises(gl.ValidationError):
        DC("x")
    assert repr(d) == "DC(a=1, b=2.0)"  # the dataclass repr is kept
    assert gl.eq(pickle.loads(pickle.dumps(d)), d)


def test_frozen_dataclass() -> None:
    f = FrozenDC(1, (2, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.a = 2  # type: ignore[misc]
    assert hash(f) == hash(FrozenDC(1, (2, 3)))
    f.rebind(a=5)
    assert f.a == 5 and f.sym_init_args["a"] == 5
    assert gl.eq(gl.clone(f), f)
    assert gl.eq(pickle.loads(pickle.dumps(f)), f)
    assert gl.eq(gl.from_json(gl.to_json(f)), f)


# ------------------------------------------------------------ metaclasses


class Meta(type):
    created: list[str] = []

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Meta:
        cls = super().__new__(mcs, name, bases, ns)
        Meta.created.append(name)
        return cls

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        obj = super().__call__(*args, **kwargs)
        obj.via_meta = True
        return obj


@gl.symbolize
class WithMeta(metaclass=Meta):
    def __init__(self, x: int = 1) -> None:
        self.x = x


def test_custom_metaclass() -> None:
    w = WithMeta(x=3)
    assert type(w) is WithMeta and type(WithMeta) is Meta
    assert w.via_meta and w.sym_init_args == {"x": 3}
    with pytest.raises(gl.ValidationError):
        WithMeta(x="s")
    assert gl.clone(w).via_meta
    assert gl.eq(pickle.loads(pickle.dumps(w)), w)

    class SubMeta(WithMeta):
        def __init__(self, y: int, **kw: Any) -> None:
            super().__init__(**kw)
            self.y = y

    s = SubMeta(2, x=5)
    assert "SubMeta" in Meta.created
    assert gl.is_symbolic(s) and s.x == 5 and s.y == 2 and s.via_meta


# ----------------------------------------------------------- subclasses


class AutoSub(Dense):
    def __init__(self, features: int, scale: float = 1.0) -> None:
        super().__init__(features, use_bias=False)
        self.scale = scale


class InheritsInit(Dense):
    pass


def test_subclasses_are_symbolized_automatically() -> None:
    a = AutoSub(3, scale=2)
    assert type(a) is AutoSub
    assert gl.schema_of(AutoSub) is not gl.schema_of(Dense)
    assert a.sym_init_args == {"features": 3, "scale": 2.0}
    assert a.use_bias is False and a.derived == 6
    a.rebind(features=5)
    assert a.derived == 10 and a.use_bias is False
    assert gl.lookup(gl.type_name(AutoSub)) is AutoSub
    i = InheritsInit(2)
    assert i.sym_init_args == {"features": 2, "use_bias": True}
    assert not gl.eq(i, Dense(2))
    assert gl.eq(pickle.loads(pickle.dumps(a)), a)


def test_subclass_with_kwargs_pass_through_to_symbolic_base() -> None:
    class Wrapped(Dense):
        def __init__(self, dropout: float = 0.0, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.dropout = dropout

    w = Wrapped(0.1, features=8)
    assert list(gl.schema_of(Wrapped).fields) == ["dropout", "features", "use_bias"]
    assert w.features == 8 and w.dropout == 0.1
    with pytest.raises(gl.ValidationError) as info:
        Wrapped(features="wide")
    assert info.value.path == gl.KeyPath(["features"])


def test_subclass_that_cannot_be_symbolized_stays_plain() -> None:
    class Slotted(Dense):
        __slots__ = ("z",)

    # ``Dense`` instances have a __dict__, so this one is still symbolizable
    assert gl.is_symbolic(Slotted(1))


# ------------------------------------------------------ decorator order


REGISTRY: dict[str, type] = {}


def register(name: str) -> Any:
    def deco(cls: type) -> type:
        REGISTRY[name] = cls
        return cls

    return deco


@register("outer")
@gl.symbolize
class RegisteredOutside:
    def __init__(self, x: int = 0) -> None:
        self.x = x


@gl.symbolize
@register("inner")
class RegisteredInside:
    def __init__(self, x: int = 0) -> None:
        self.x = x


@pytest.mark.parametrize(
    ("key", "cls"), [("outer", RegisteredOutside), ("inner", RegisteredInside)]
)
def test_registry_decorator_on_either_side(key: str, cls: type) -> None:
    held = REGISTRY[key]
    assert held is cls
    obj = held(x=2)
    assert type(obj) is cls
    assert gl.is_symbolic(obj)
    with pytest.raises(gl.ValidationError):
        held(x="no")
    assert gl.eq(pickle.loads(pickle.dumps(obj)), obj)


# ------------------------------------------------------ runtime arguments


@gl.symbolize(runtime=["rngs"])
class NeedsRngs:
    def __init__(self, width: int, *, rngs: Any) -> None:
        self.width = width
        self.rngs = rngs
        self.params = [rngs] * width


@gl.symbolize
class Model:
    def __init__(self, layers: list[NeedsRngs]) -> None:
        self.layers = layers


def test_runtime_arguments_are_not_part_of_the_schema() -> None:
    assert list(gl.schema_of(NeedsRngs).fields) == ["width"]
    spec = NeedsRngs(2)  # no rngs: a spec, __init__ deferred
    assert "params" not in spec.__dict__
    assert spec.sym_init_args == {"width": 2}
    built = gl.build(Model([spec, NeedsRngs(3)]), rngs="key")
    assert type(built) is Model
    assert built.layers[1].params == ["key"] * 3
    assert "params" not in spec.__dict__  # building never changes the spec
    live = NeedsRngs(2, rngs="k")
    assert live.params == ["k", "k"]
    live.rebind(width=3)
    assert live.params == ["k"] * 3
    assert gl.clone(live).params == ["k"] * 3
    assert gl.eq(live, NeedsRngs(3))  # runtime values are not compared
    assert gl.to_json(live) == {"__type__": gl.type_name(NeedsRngs), "width": 3}


def test_build_evaluates_calls() -> None:
    @gl.symbolize
    def scaled(x: float, k: float = 2.0) -> float:
        return x * k

    assert gl.build({"a": scaled(3.0), "b": [scaled(1.0, k=3)]}) == {"a": 6.0, "b": [3.0]}


def test_derived_state_rederive_off() -> None:
    calls: list[int] = []

    @gl.symbolize(rederive=False)
    class Counted:
        def __init__(self, x: int) -> None:
            calls.append(x)
            self.x = x

    c = Counted(1)
    c.rebind(x=2)
    assert calls == [1]
    assert c.sym_init_args["x"] == 2 and c.x == 1

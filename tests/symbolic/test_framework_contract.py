"""The contract of a symbolized framework class (issue #12): annotation takes nothing away.

Each test is one defect found on real model zoos, reduced to a small fixture.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

import graftlab as gl

# ------------------------------------------------------------- lenient checking


class Norm:
    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = eps


class LayerNorm(Norm):
    pass


class Other:
    pass


@gl.symbolize
class Block:
    def __init__(
        self,
        c: int,
        dtype: np.dtype = np.float32,
        norm_layer: type[Norm] = functools.partial(LayerNorm, eps=1e-6),  # noqa: B008
    ) -> None:
        self.c = c
        self.dtype = dtype
        self.norm = norm_layer()


def test_dtype_annotation_accepts_dtype_like_values() -> None:
    assert Block(1).dtype is np.float32  # the default, given back explicitly by Flax's clone
    assert Block(1, dtype=np.float32).dtype is np.float32
    assert Block(1, dtype="float16").dtype == "float16"
    assert Block(1, dtype=np.dtype("float64")).dtype == np.float64
    with pytest.raises(gl.ValidationError, match="dtype: Block: expected dtype"):
        Block(1, dtype=object())


def test_type_annotation_accepts_partial_of_a_subclass_and_factories() -> None:
    assert Block(1).norm.eps == 1e-6
    b = Block(1, norm_layer=functools.partial(LayerNorm, eps=0.1))
    assert isinstance(b.norm, LayerNorm) and b.norm.eps == 0.1
    assert isinstance(Block(1, norm_layer=lambda: LayerNorm(2.0)).norm, LayerNorm)
    with pytest.raises(gl.ValidationError, match=r"norm_layer: Block: expected type\[Norm\]"):
        Block(1, norm_layer=functools.partial(Other))
    with pytest.raises(gl.ValidationError, match=r"norm_layer: Block: expected type\[Norm\]"):
        Block(1, norm_layer=Other)


_SENTINEL = object()


@gl.symbolize
class WithSentinel:
    def __init__(self, x: int = _SENTINEL) -> None:  # type: ignore[assignment]
        self.x = x


def test_a_default_is_always_valid_for_its_own_field() -> None:
    assert WithSentinel().x is _SENTINEL
    assert WithSentinel(_SENTINEL).x is _SENTINEL  # passed back explicitly
    with pytest.raises(gl.ValidationError, match="x: WithSentinel: expected int"):
        WithSentinel(object())
    w = WithSentinel(3)
    w.rebind(x=_SENTINEL)
    assert w.x is _SENTINEL


@gl.symbolize
@dataclasses.dataclass
class Stage:
    c: int
    window: Sequence[int] = (7, 7)


def test_int_given_a_whole_float_is_accepted_as_given() -> None:
    s = Stage(48.0)  # what the original code received (and ran with)
    assert s.c == 48.0
    with pytest.raises(gl.ValidationError, match="c: Stage: expected int"):
        Stage(48.5)


# ------------------------------------------------------------- values as passed


def test_tuples_reach_init_as_tuples_and_objects_stay_hashable() -> None:
    @gl.symbolize
    @dataclasses.dataclass(frozen=True)
    class Patch:
        patch_size: Sequence[int] = (16, 16)
        strides: Sequence[int] = ()

        def grown(self) -> tuple[int, ...]:
            return tuple(self.patch_size) + (1,)  # noqa: RUF005 (legacy code does this)

    p = Patch((8, 8))
    assert type(p.patch_size) is tuple and p.grown() == (8, 8, 1)
    assert type(Patch().patch_size) is tuple and Patch().strides == ()
    assert isinstance(hash(p), int)  # a static jit argument must hash
    assert Stage(1).window + (1,) == (7, 7, 1)  # noqa: RUF005
    listed = Patch([8, 8])  # a list stays a (symbolic) list
    assert isinstance(listed.patch_size, gl.SymList)
    assert gl.eq(listed, p)  # same value either way
    assert gl.hash(listed) == gl.hash(p)
    assert gl.eq(gl.clone(p), p) and type(gl.clone(p).patch_size) is tuple


# ------------------------------------------------------------- signatures


@gl.symbolize
class Layer:
    def __init__(self, units: int, activation: str | None = None, **kwargs: Any) -> None:
        self.units = units


def test_getfullargspec_sees_the_original_signature() -> None:
    spec = inspect.getfullargspec(Layer.__init__)
    assert spec.args == ["self", "units", "activation"]
    assert spec.varkw == "kwargs" and spec.varargs is None
    assert list(inspect.signature(Layer).parameters) == ["units", "activation", "kwargs"]


# ------------------------------------------------------------- equality


def test_framework_objects_keep_identity_equality() -> None:
    import torch

    @gl.symbolize
    class Mlp(torch.nn.Module):
        def __init__(self, dim: int) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(dim, dim)

    @gl.symbolize
    class Net(torch.nn.Module):
        def __init__(self, dim: int = 4) -> None:
            super().__init__()
            self.a = Mlp(dim)
            self.b = Mlp(dim)

    plain = torch.nn.ModuleDict({"a": torch.nn.Linear(4, 4), "b": torch.nn.Linear(4, 4)})
    net = Net()
    assert net.a != net.b and hash(net.a) != hash(net.b)
    assert gl.eq(net.a, net.b) and gl.hash(net.a) == gl.hash(net.b)  # symbolic comparison
    assert len(list(net.parameters())) == len(list(plain.parameters())) == 4
    net.to(torch.float64)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    assert sum(len(g["params"]) for g in opt.param_groups) == 4


def test_classes_with_their_own_eq_keep_it_and_plain_classes_compare_symbolically() -> None:
    class Base:
        def __eq__(self, other: object) -> bool:
            return self is other

        __hash__ = object.__hash__

    @gl.symbolize
    class Own(Base):
        def __init__(self, x: int) -> None:
            self.x = x

    @gl.symbolize
    class OnlyHash:
        def __init__(self, x: int) -> None:
            self.x = x

        def __hash__(self) -> int:
            return 7

    assert Own(1) != Own(1) and gl.eq(Own(1), Own(1))
    assert hash(OnlyHash(1)) == 7 and OnlyHash(1) != OnlyHash(1)
    assert Layer(3) == Layer(3) and hash(Layer(3)) == hash(Layer(3))  # plain: symbolic


# ------------------------------------------------------------- live objects


@gl.symbolize
@dataclasses.dataclass
class Registry:
    models: dict[str, int] = dataclasses.field(default_factory=dict)
    size: int = 4

    def __post_init__(self) -> None:
        self.history: collections.deque[str] = collections.deque(maxlen=self.size)

    def create(self, name: str) -> int:
        self.history.append(name)
        return self.models[name]


def test_writing_a_dict_field_of_a_live_object_keeps_its_state() -> None:
    r = Registry()
    r.models["a"] = 1  # not live yet: re-derives, as before
    r.create("a")
    r.models["b"] = 2  # live now: a plain mutation, nothing re-runs
    assert list(r.history) == ["a"]
    assert r.create("b") == 2 and r.sym_init_args.models == {"a": 1, "b": 2}


def test_rebind_of_a_live_object_is_refused_and_rebuild_makes_a_fresh_one() -> None:
    r = Registry({"a": 1})
    r.create("a")
    with pytest.raises(gl.LiveObjectError, match=r"gl.rebuild\(obj"):
        r.rebind(size=8)
    assert r.sym_init_args.size == 4 and list(r.history) == ["a"]  # nothing changed
    fresh = gl.rebuild(r, size=8)
    assert fresh is not r and fresh.history.maxlen == 8 and list(fresh.history) == []
    assert fresh.models == {"a": 1} and fresh.models is not r.models
    untouched = Registry({"a": 1})
    untouched.rebind(size=2)  # nothing added after construction: re-derived in place
    assert untouched.history.maxlen == 2


def test_torch_modules_refuse_in_place_edits_and_rebuild() -> None:
    import torch

    @gl.symbolize
    class Deep(torch.nn.Module):
        def __init__(self, widths: list[int] = (4, 4), out: int = 2) -> None:
            super().__init__()
            self.layers = torch.nn.ModuleList(
                torch.nn.Linear(a, b) for a, b in zip(widths, [*widths[1:], out], strict=True)
            )

    @gl.symbolize
    class Wrapper(torch.nn.Module):
        def __init__(self, body: Deep) -> None:
            super().__init__()
            self.body = body

    m = Wrapper(Deep([4, 8]))
    with pytest.raises(gl.LiveObjectError) as info:
        m.rebind({"body.out": 3})
    assert info.value.path == gl.KeyPath.parse("body")
    assert m.sym_init_args.body.sym_init_args.out == 2  # atomic: nothing changed
    bigger = gl.rebuild(m, {"body.widths": [4, 8, 8], "body.out": 3})
    assert len(bigger.body.layers) == 3 and bigger.body.layers[-1].out_features == 3
    assert bigger.body.layers[0] is not m.body.layers[0]
    assert gl.rebuild(m, {"body.widths[1]": gl.Insert(6)}).body.sym_init_args.widths == [4, 6, 8]


def test_optimizer_param_groups_do_not_recurse() -> None:
    import torch

    @gl.symbolize
    class MySGD(torch.optim.SGD):
        pass

    w = torch.nn.Parameter(torch.ones(2))
    b = torch.nn.Parameter(torch.zeros(2))
    opt = MySGD([{"params": [w], "weight_decay": 0.0}, {"params": [b]}], lr=0.5)
    assert len(opt.param_groups) == 2 and opt.param_groups[0]["weight_decay"] == 0.0
    (w.sum() + b.sum()).backward()
    opt.step()
    assert torch.allclose(w, torch.full((2,), 0.5))
    for group in opt.param_groups:  # schedulers write into param groups
        group["lr"] = 0.1
    assert opt.param_groups[1]["lr"] == 0.1

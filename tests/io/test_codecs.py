"""Codecs: values that are not symbolic are written and loaded back as themselves (#12)."""

from __future__ import annotations

import enum
import functools
from typing import Any

import jax.numpy as jnp
import ml_collections
import numpy as np
import pytest

import graftlab as gl
from graftlab.io import codecs


class Act(enum.Enum):  # not named in any schema: reached through an ``Any`` argument
    RELU = "relu"
    GELU = "gelu"


@gl.symbolize
class Conv:
    def __init__(self, features: int = 8, eps: float = 1e-5) -> None:
        self.features = features


@gl.symbolize
class Holder:
    def __init__(self, value: Any = None, other: Any = None) -> None:
        self.value = value


def roundtrip(value: Any) -> Any:
    text = gl.dumps(Holder(value))
    loaded = gl.loads(text, allowed_modules=["test_codecs"])
    assert gl.dumps(loaded) == text  # a fixed point
    return loaded.sym_init_args.value


def test_config_dicts_round_trip() -> None:
    cd = ml_collections.ConfigDict({"lr": 0.1, "model": {"depth": 3, "widths": (8, 16)}})
    back = roundtrip(cd)
    assert type(back) is ml_collections.ConfigDict and back == cd
    assert back.model.depth == 3 and back.model.widths == (8, 16)
    frozen = ml_collections.FrozenConfigDict(cd)
    back = roundtrip(frozen)
    assert type(back) is ml_collections.FrozenConfigDict and back == frozen
    assert "config_dict(" in gl.dumps(Holder(frozen))


@pytest.mark.parametrize(
    "value",
    [np.dtype("float32"), np.float32, np.int8, jnp.float32, jnp.bfloat16, np.dtype("bool")],
)
def test_dtypes_round_trip(value: Any) -> None:
    back = roundtrip(value)
    assert back is value or (type(back) is type(value) and back == value)


def test_partials_of_symbolic_and_allowed_callables_round_trip() -> None:
    p = functools.partial(Conv, features=16)
    back = roundtrip(p)
    assert isinstance(back, functools.partial) and back.func is Conv
    assert back.keywords == {"features": 16} and back().features == 16
    import flax.linen as nn

    q = functools.partial(nn.LayerNorm, epsilon=1e-6)
    back = roundtrip(q)
    assert back.func is nn.LayerNorm and back.keywords == {"epsilon": 1e-6}
    r = functools.partial(jnp.clip, 0.0)
    back = roundtrip(r)
    assert back.func is jnp.clip and back.args == (0.0,)


def test_enums_round_trip_through_any_arguments() -> None:
    assert roundtrip(Act.GELU) is Act.GELU


def test_values_without_codec_fail_with_key_path_and_what_to_do() -> None:
    with pytest.raises(gl.WriteError, match=r"experiment.value: a partial .*symbolic class"):
        gl.dumps(Holder(functools.partial(lambda x: x, 1)))
    with pytest.raises(gl.WriteError, match=r"experiment.other: a function .*symbolize it"):
        gl.dumps(Holder(other=lambda: 1))
    with pytest.raises(gl.WriteError, match=r"experiment.value\[0\]: a object"):
        gl.dumps(Holder([object()]))


def test_callable_refs_only_resolve_allowed_modules() -> None:
    text = 'from graftlab.io.codecs import callable_ref\n\nx = callable_ref(name="os:system")\n'
    with pytest.raises(gl.FormatError, match="callables of 'os' are not allowed"):
        gl.loads(text)
    assert codecs.callable_ref(name="jax.numpy:clip") is jnp.clip


@pytest.mark.parametrize("name", ["relu", "gelu", "LayerNorm", "Dense"])
def test_bare_framework_callables_round_trip(name: str) -> None:
    import flax.linen as nn

    value = getattr(nn, name)
    back = roundtrip(value)
    assert back is value
    assert "callable_ref(" in gl.dumps(Holder(value))


def test_a_callable_whose_name_does_not_resolve_back_has_no_codec() -> None:
    def local_act(x: Any) -> Any:
        return x

    assert codecs.encode(local_act) is None
    assert codecs.encode(Conv) is None  # a symbolic class is written by name, not by codec


def json_roundtrip(value: Any) -> Any:
    data = gl.to_json(Holder(value))
    back = gl.from_json(data, allowed_modules=["test_codecs", "graftlab"])
    assert gl.to_json(back) == data  # a fixed point
    return back.sym_init_args.value


def test_json_writes_codec_values_and_reads_them_back_as_themselves() -> None:
    """Review and `graft show --json` go through JSON: a Linen default such as
    ``dtype=jnp.float32`` or ``act=nn.relu`` made every review of such a file an error."""
    import flax.linen as nn

    assert json_roundtrip(jnp.float32) is jnp.float32
    assert json_roundtrip(np.dtype("int8")) == np.dtype("int8")
    assert json_roundtrip(nn.relu) is nn.relu
    back = json_roundtrip(functools.partial(nn.LayerNorm, epsilon=1e-6))
    assert back.func is nn.LayerNorm and back.keywords == {"epsilon": 1e-6}
    cd = json_roundtrip(ml_collections.ConfigDict({"lr": 0.1}))
    assert type(cd) is ml_collections.ConfigDict and cd.lr == 0.1
    with pytest.raises(gl.JSONFormatError, match="cannot write a object as JSON"):
        gl.to_json(Holder(object()))


def test_linen_fields_with_framework_defaults_go_through_json() -> None:
    import flax.linen as nn

    @gl.symbolize
    class Block(nn.Module):
        features: int
        dtype: Any = jnp.float32
        act: Any = nn.relu
        norm: Any = functools.partial(nn.LayerNorm, epsilon=1e-6)

        @nn.compact
        def __call__(self, x: Any) -> Any:
            return self.act(self.norm()(nn.Dense(self.features, dtype=self.dtype)(x)))

    data = gl.to_json(Block(features=4))
    assert data["dtype"]["__type__"] == "graftlab.io.codecs.dtype"
    assert data["act"] == {"__type__": "graftlab.io.codecs.callable_ref", "name": "flax.linen:relu"}
    back = gl.from_json(data)
    assert back.features == 4 and back.dtype is jnp.float32 and back.act is nn.relu
    assert back.norm.func is nn.LayerNorm

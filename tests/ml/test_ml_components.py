"""Components build into NNX modules of the right shapes; specs stay specs."""

from __future__ import annotations

import jax.numpy as jnp
import pytest
from flax import nnx

import graftlab as gl
import graftlab.ml as ml
from graftlab.ml.base import Builder, struct


def _apply(spec: object, shape: tuple[int, ...], dtype: str = "float32") -> tuple[int, ...]:
    module = spec.build(nnx.Rngs(0), struct(shape, dtype))  # type: ignore[attr-defined]
    return tuple(module(jnp.zeros(shape, dtype)).shape)


@pytest.mark.parametrize(
    ("spec", "shape", "out"),
    [
        (ml.Dense(7), (2, 5), (2, 7)),
        (ml.Conv(6, kernel_size=3, strides=2), (2, 8, 8, 3), (2, 4, 4, 6)),
        (ml.SeparableConv(6, depth_multiplier=2), (2, 8, 8, 3), (2, 8, 8, 6)),
        (ml.DepthwiseConv(depth_multiplier=2), (2, 8, 8, 3), (2, 8, 8, 6)),
        (ml.BatchNorm(), (2, 4), (2, 4)),
        (ml.LayerNorm(), (2, 4), (2, 4)),
        (ml.RMSNorm(), (2, 4), (2, 4)),
        (ml.Dropout(0.5), (2, 4), (2, 4)),
        (ml.MaxPool(2), (2, 8, 8, 3), (2, 4, 4, 3)),
        (ml.AvgPool(2), (2, 8, 8, 3), (2, 4, 4, 3)),
        (ml.GlobalAvgPool(), (2, 8, 8, 3), (2, 3)),
        (ml.Flatten(), (2, 8, 8, 3), (2, 192)),
        (ml.Reshape((4, 16)), (2, 64), (2, 4, 16)),
        (ml.LeakyReLU(slope=0.2), (2, 4), (2, 4)),
        (
            ml.Residual(ml.ConvBlock(ml.Conv(5)), projection=ml.Conv(5, kernel_size=1)),
            (2, 8, 8, 3),
            (2, 8, 8, 5),
        ),
        (ml.MultiHeadAttention(num_heads=2, relative_bias=True), (2, 5, 8), (2, 5, 8)),
        (ml.FeedForward(hidden=16, gated=True), (2, 5, 8), (2, 5, 8)),
        (
            ml.TransformerBlock(ml.MultiHeadAttention(2), ml.FeedForward(16), pre_norm=False),
            (2, 5, 8),
            (2, 5, 8),
        ),
        (ml.mlp((16,), num_classes=3), (2, 8, 8, 1), (2, 3)),
        (ml.cnn((4, 8), num_classes=3), (2, 8, 8, 1), (2, 3)),
        (ml.resnet((4, 8), num_classes=3), (2, 8, 8, 1), (2, 3)),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else "x".join(map(str, v)),
)
def test_component_output_shapes(
    spec: object, shape: tuple[int, ...], out: tuple[int, ...]
) -> None:
    assert _apply(spec, shape) == out


def test_activations_compute_their_function() -> None:
    x = jnp.array([[-2.0, 0.5]])
    for name, ref in {
        "relu": [0.0, 0.5],
        "leaky_relu": [-0.02, 0.5],
        "identity": [-2.0, 0.5],
        "tanh": list(jnp.tanh(x)[0]),
    }.items():
        m = ml.activation(name).build(nnx.Rngs(0), struct((1, 2)))
        assert jnp.allclose(m(x), jnp.array([ref]), atol=1e-6), name
    with pytest.raises(ValueError, match="unknown activation"):
        ml.activation("nope")


@pytest.mark.parametrize("decoder_only", [False, True])
def test_transformer_shapes(decoder_only: bool) -> None:
    spec = ml.transformer(
        12, features=16, num_heads=2, encoder_layers=1, decoder_layers=2, decoder_only=decoder_only
    )
    x = (struct((2, 6), "int32"), struct((2, 4), "int32"))
    model = Builder(nnx.Rngs(0)).build(spec, x, gl.KeyPath())[0]
    out = model(jnp.ones((2, 6), jnp.int32), jnp.ones((2, 4), jnp.int32))
    assert out.shape == (2, 4, 12)


def test_causal_attention_does_not_look_ahead() -> None:
    att = ml.MultiHeadAttention(num_heads=2).build(nnx.Rngs(0), struct((1, 4, 8)))
    x = jnp.arange(32, dtype=jnp.float32).reshape(1, 4, 8) / 32
    y1 = att(x, causal=True)
    y2 = att(x.at[:, 3].set(5.0), causal=True)
    assert jnp.allclose(y1[:, :3], y2[:, :3], atol=1e-6)


def test_the_builder_maps_modules_to_key_paths() -> None:
    b = Builder(nnx.Rngs(0))
    b.build(ml.cnn((4, 8)), struct((2, 8, 8, 1)), gl.KeyPath(("model",)))
    paths = {str(p) for p in b.paths.values()}
    assert {"model", "model.layers[0]", "model.layers[0].conv", "model.head"} <= paths


def test_specs_validate_their_arguments() -> None:
    with pytest.raises(gl.ValidationError):
        ml.Dense(0)
    with pytest.raises(gl.ValidationError):
        ml.Dropout(rate=1.5)
    with pytest.raises(gl.ValidationError):
        ml.Conv(8, padding="FULL")  # type: ignore[arg-type]

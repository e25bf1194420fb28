"""Runtime errors are reported at the component that failed, by key path."""

from __future__ import annotations

from pathlib import Path

import ml_testutil as U
import pytest
from ml_user_modules import UserBlock

import graftlab as gl
import graftlab.ml as ml


def test_a_shape_mismatch_in_the_forward_pass_names_the_layer(tmp_path: Path) -> None:
    # layers[3] expects 48 inputs but gets 32: the failure happens inside its forward pass.
    exp = ml.Experiment(
        model=ml.Sequential(
            [ml.Flatten(), UserBlock(64, 32), UserBlock(32, 32), UserBlock(48, 10)]
        ),
        dataset=ml.Digits(),
        trainer=ml.Trainer(steps=5, batch_size=16),
    )
    with pytest.raises(gl.ComponentError) as info:
        exp.run(U.context(tmp_path))
    err = info.value
    assert str(err.path) == "model.layers[3]"
    assert err.cause is not None
    assert "48" in str(err.cause) or "32" in str(err.cause)


def test_an_error_at_build_time_names_the_component(tmp_path: Path) -> None:
    # a residual branch that changes the width, without a projection
    exp = U.tiny_cnn(steps=5)
    exp.rebind({"model.layers[2]": ml.Residual(ml.ConvBlock(ml.Conv(16)))})
    with pytest.raises(gl.ComponentError) as info:
        exp.run(U.context(tmp_path))
    assert str(info.value.path) == "model.layers[2]"
    assert "projection" in str(info.value)


def test_an_error_in_a_transformer_block_names_the_block(tmp_path: Path) -> None:
    exp = U.tiny_transformer(steps=5)
    exp.rebind({"model.decoder[0].attention.qkv_features": 15})  # not divisible by 2 heads
    with pytest.raises(gl.ComponentError) as info:
        exp.run(U.context(tmp_path))
    assert str(info.value.path) == "model.decoder[0].attention"
    assert isinstance(info.value.cause, ValueError)


def test_errors_inside_jitted_copies_are_located() -> None:
    import jax
    import jax.numpy as jnp
    from flax import nnx

    from graftlab.ml.base import Builder, struct
    from graftlab.ml.runtime.errors import locate

    spec = ml.Sequential([ml.Flatten(), ml.Dense(8), ml.Dense(4)])
    b = Builder(nnx.Rngs(0))
    model, _ = b.build(spec, struct((2, 64)), gl.KeyPath(("model",)))
    graphdef, state = nnx.split(model)

    @jax.jit
    def forward(state: nnx.State, x: jax.Array) -> jax.Array:
        return nnx.merge(graphdef, state)(x)

    with pytest.raises(Exception) as info:
        forward(state, jnp.ones((2, 10)))
    err = locate(info.value, b.paths, replay=None)
    assert err is not None and str(err.path) == "model.layers[1]"
    assert err.cause is info.value

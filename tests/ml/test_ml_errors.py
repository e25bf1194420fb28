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


@gl.patcher("test_ml_errors/narrow_head")
def _narrow_head(experiment, width: int = 3):  # type: ignore[no-untyped-def]
    """Make the output layer narrower than the number of classes (a wrong idea)."""
    return {"model.head.features": width}


def test_a_nan_loss_fails_the_run_naming_the_step_and_the_rule(tmp_path: Path) -> None:
    from graftlab.ml.runtime.health import NonFiniteError

    exp = gl.patch(U.tiny_mlp(steps=40), "test_ml_errors/narrow_head?width=3")
    with pytest.raises(NonFiniteError) as info:
        exp.run(U.context(tmp_path))
    err = info.value
    assert err.step == 1 and "at step 1" in str(err)
    assert str(err.path) == "model.head.features"
    assert "3 wide but the dataset has 10 classes" in str(err)
    assert "test_ml_errors/narrow_head?width=3" in str(err)  # the rule that set it


def test_an_experiment_may_opt_out_of_failing_on_nan(tmp_path: Path) -> None:
    exp = U.tiny_mlp(steps=20)
    exp.rebind({"model.head.features": 3, "trainer.fail_on_nonfinite": False})
    out = exp.run(U.context(tmp_path))
    assert out["train_loss"] != out["train_loss"]  # NaN, reported rather than raised


@gl.symbolize
class Blobs(ml.Dataset):
    """Gaussian blobs around ``classes`` centres."""

    name = "blobs"

    def __init__(self, classes: int = 3, size: int = 60) -> None:
        self.classes, self.size = classes, size

    @property
    def num_classes(self) -> int:
        return self.classes

    def load(self) -> ml.Splits:
        import numpy as np

        rng = np.random.default_rng(0)
        y = rng.integers(0, self.classes, self.size).astype(np.int32)  # high <= 0 raises
        x = rng.normal(size=(self.size, 2)).astype(np.float32)
        return ml.split({"x": x, "y": y}, test_fraction=0.2, seed=0)


def test_a_dataset_load_error_carries_the_key_path(tmp_path: Path) -> None:
    exp = ml.Experiment(model=ml.mlp((8,), num_classes=3), dataset=Blobs(classes=0))
    with pytest.raises(gl.ComponentError) as info:
        exp.run(U.context(tmp_path))
    assert str(info.value.path) == "dataset"
    assert "loading Blobs failed: ValueError: high <= 0" in str(info.value)
    assert isinstance(info.value.cause, ValueError)

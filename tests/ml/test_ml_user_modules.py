"""Users' NNX and Linen modules as experiment components: symbolized, built, trained."""

from __future__ import annotations

import pickle
from pathlib import Path

import jax
import jax.numpy as jnp
import ml_testutil as U
import optax
import pytest
from flax import nnx
from ml_user_modules import LinenMLP, UserBlock, UserNet

import graftlab as gl
import graftlab.ml as ml


def _net() -> UserNet:
    return UserNet([UserBlock(64, 32), UserBlock(32, 32)], num_classes=10)


def test_an_nnx_spec_allocates_nothing_until_built() -> None:
    spec = _net()
    assert "head" not in vars(spec)  # __init__ has not run
    assert spec.sym_init_args.num_classes == 10
    built = gl.build(spec, rngs=nnx.Rngs(0))
    assert built.head.kernel[...].shape == (32, 10)
    assert gl.path_of(built.blocks[1]) == gl.KeyPath.parse("blocks[1]")


def test_nnx_graph_operations_ignore_the_symbolic_state() -> None:
    model = gl.build(_net(), rngs=nnx.Rngs(0))
    graphdef, state = nnx.split(model)
    copy = nnx.merge(graphdef, state)
    assert "_sym_" not in vars(copy) and "_sym_" in vars(model)
    assert "_sym_" not in vars(nnx.clone(model).blocks[0])
    opt = nnx.Optimizer(model, optax.adam(1e-2), wrt=nnx.Param)
    x = jnp.ones((4, 8, 8, 1))

    @nnx.jit
    def step(model: UserNet, opt: nnx.Optimizer, x: jax.Array) -> jax.Array:
        loss, grads = nnx.value_and_grad(lambda m: (m(x) ** 2).mean())(model)
        opt.update(model, grads)
        return loss

    first = float(step(model, opt, x))
    assert float(step(model, opt, x)) < first
    assert "_sym_" in vars(model.blocks[0])  # nnx.jit updated the module in place
    assert gl.path_of(model.blocks[0]) == gl.KeyPath.parse("blocks[0]")
    assert isinstance(pickle.loads(pickle.dumps(model)), UserNet)


def test_editing_a_built_module_keeps_its_weights() -> None:
    model = gl.build(_net(), rngs=nnx.Rngs(0))
    before = model.head.kernel[...]
    # Issue #12: an in-place edit of a built module is refused (it used to change the record
    # only, leaving weights of the old shape); gl.rebuild makes a fresh module.
    with pytest.raises(gl.LiveObjectError):
        model.rebind(num_classes=3)
    assert (model.head.kernel[...] == before).all()
    assert model.sym_init_args.num_classes != 3
    fresh = gl.rebuild(model, num_classes=3)
    assert fresh.head.kernel[...].shape[-1] == 3 and fresh.sym_init_args.num_classes == 3


def test_users_nnx_model_trains_in_an_experiment(tmp_path: Path) -> None:
    exp = ml.Experiment(
        model=_net(),
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=3e-3),
        trainer=ml.Trainer(steps=60, batch_size=32, eval_every=30),
    )
    ctx = U.context(tmp_path)
    final = exp.run(ctx)
    assert final["eval_accuracy"] > 0.7
    assert "head" not in vars(exp.model)  # the experiment itself stays a spec


def test_users_linen_model_trains_in_an_experiment(tmp_path: Path) -> None:
    spec = LinenMLP(hidden=32)
    assert "parent" not in gl.schema_of(spec).fields
    exp = ml.Experiment(
        model=spec,
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=3e-3),
        trainer=ml.Trainer(steps=60, batch_size=32, eval_every=30),
    )
    final = exp.run(U.context(tmp_path))
    assert final["eval_accuracy"] > 0.7


def test_user_modules_mix_with_graftlab_components(tmp_path: Path) -> None:
    model = ml.Sequential([ml.Flatten(), UserBlock(64, 32), LinenMLP(hidden=16, num_classes=10)])
    exp = ml.Experiment(
        model=model,
        dataset=ml.Digits(),
        trainer=ml.Trainer(steps=40, batch_size=32, eval_every=40),
    )
    assert exp.run(U.context(tmp_path))["eval_loss"] < 2.3

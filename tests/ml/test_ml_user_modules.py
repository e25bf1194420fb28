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


def _linen_bn_dropout() -> object:
    from flax import linen as nn

    @gl.symbolize
    class LinenBNDrop(nn.Module):
        """Dense, batch norm, dropout; ``train`` switches both."""

        hidden: int = 32
        num_classes: int = 10
        rate: float = 0.5

        @nn.compact
        def __call__(self, x: jax.Array, train: bool = False) -> jax.Array:
            x = x.reshape((x.shape[0], -1))
            x = nn.BatchNorm(use_running_average=not train)(nn.Dense(self.hidden)(x))
            x = nn.Dropout(self.rate, deterministic=not train)(nn.relu(x))
            return nn.Dense(self.num_classes)(x)

    return LinenBNDrop()


def test_linen_batch_norm_and_dropout_switch_modes(tmp_path: Path) -> None:
    import numpy as np

    from graftlab.ml.runtime.loop import build_model, make_steps

    spec = _linen_bn_dropout()
    data = ml.Digits().load().train
    model, _ = build_model(spec, data, ("x",), seed=0)  # used to fail: batch_stats immutable
    tx = ml.Adam().create(10)
    train_step, eval_step, state = make_steps(
        model, tx, ml.CrossEntropy(), [ml.Accuracy()], ("x",), "y"
    )

    def stats(s: dict) -> list[np.ndarray]:  # type: ignore[type-arg]
        leaves = jax.tree.leaves(s["rest"])
        return [np.asarray(x) for x in leaves if jnp.issubdtype(x.dtype, jnp.floating)]

    before = stats(state)
    assert before  # batch statistics are model state
    batch = {"x": data["x"][:32], "y": data["y"][:32]}
    new = jax.jit(train_step)(state, batch)
    assert all(not np.allclose(a, b) for a, b in zip(before, stats(new), strict=True))
    # dropout runs in training: two calls draw different masks
    model.train()
    x = jnp.asarray(batch["x"])
    assert not np.allclose(model(x), model(x))
    # evaluation is deterministic: no dropout, running statistics
    w = np.ones(32, np.float32)
    a, b = jax.jit(eval_step)(new, batch, w), jax.jit(eval_step)(new, batch, w)
    assert float(a["loss"]) == float(b["loss"])


def test_linen_eval_is_the_same_for_every_eval_batch_size(tmp_path: Path) -> None:
    results = []
    for i, eval_bs in enumerate((16, 50, 359)):
        exp = ml.Experiment(
            model=_linen_bn_dropout(),
            dataset=ml.Digits(),
            trainer=ml.Trainer(
                steps=30,
                batch_size=32,
                eval_every=30,
                eval_batch_size=eval_bs,
                checkpoint_every=0,
            ),
        )
        results.append(exp.run(U.context(tmp_path, f"r{i}")))
    accs = {r["eval_accuracy"] for r in results}
    assert len(accs) == 1
    losses = [r["eval_loss"] for r in results]
    assert max(losses) - min(losses) < 1e-5

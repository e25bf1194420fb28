"""The training loop: build, shard, jit, train, evaluate, checkpoint, resume.

The step functions close over NNX graph definitions and take the state as plain pytrees
(``nnx.split`` once, ``nnx.merge`` inside ``jax.jit``): no Python traversal of the module
graph per step, which is what makes ``nnx.jit`` slow on small machines.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

from graftlab.ml.base import Builder, struct
from graftlab.ml.datasets import Splits
from graftlab.ml.runtime.errors import locate
from graftlab.ml.runtime.health import check_finite
from graftlab.ml.runtime.parallel import DataParallel
from graftlab.ml.runtime.progress import Progress
from graftlab.symbolic.errors import ComponentError
from graftlab.symbolic.keypath import KeyPath


def build_model(
    spec: Any,
    example: dict[str, np.ndarray],
    input_keys: tuple[str, ...],
    seed: int,
    path: KeyPath = KeyPath(("model",)),  # noqa: B008
    output: list[Any] | None = None,
) -> tuple[Any, dict[int, KeyPath]]:
    """The NNX model for ``spec`` and the map from its modules to key paths (the abstract
    output is appended to ``output`` when given)."""
    rngs = nnx.Rngs(params=seed, dropout=seed + 1, default=seed + 2)
    b = Builder(rngs)
    xs = tuple(struct((2, *example[k].shape[1:]), example[k].dtype) for k in input_keys)
    model, y = b.build(spec, xs[0] if len(xs) == 1 else xs, path)
    if output is not None:
        output.append(y)
    return model, b.paths


def _per_example(values: jax.Array) -> jax.Array:
    return values.reshape(values.shape[0], -1).astype(jnp.float32).mean(axis=1)


def make_steps(
    model: Any,
    tx: Any,
    loss: Callable[[Any, Any], Any],
    metrics: list[Any],
    input_keys: tuple[str, ...],
    label_key: str,
    free_running: bool = False,
) -> tuple[Callable[..., Any], Callable[..., Any], dict[str, Any]]:
    """``(train_step, eval_step, state)`` for ``model``: pure functions of pytrees.

    ``train_step(state, batch) -> state`` and ``eval_step(state, batch, weight) -> sums``;
    ``state`` holds the parameters, the other model state (batch statistics, RNG counters),
    the optimizer state, the running training-loss sum, the step and the first step whose
    loss was not finite (-1 while every loss is). Evaluation reports the plain loss
    (``loss.plain()``: no label smoothing). With ``free_running`` (sequence tasks: inputs
    ``(source, decoder_inputs)``) the metrics see greedy autoregressive predictions, while
    the loss stays teacher-forced.
    """
    eval_loss = loss.plain() if hasattr(loss, "plain") else loss
    model.train()
    graph_train, params, rest = nnx.split(model, nnx.Param, ...)
    model.eval()
    graph_eval = nnx.graphdef(model)
    model.train()

    def train_step(state: dict[str, Any], batch: dict[str, Any]) -> dict[str, Any]:
        def loss_fn(p: Any) -> tuple[Any, Any]:
            m = nnx.merge(graph_train, p, state["rest"], copy=True)
            out = m(*[batch[k] for k in input_keys])
            value = _per_example(loss(out, batch[label_key])).mean()
            return value, nnx.split(m, nnx.Param, ...)[2]

        (value, new_rest), grads = jax.value_and_grad(loss_fn, has_aux=True)(state["params"])
        updates, opt = tx.update(grads, state["opt"], state["params"])
        first_bad = state["first_bad"]
        bad = jnp.logical_and(first_bad < 0, jnp.logical_not(jnp.isfinite(value)))
        return {
            "params": optax.apply_updates(state["params"], updates),
            "rest": new_rest,
            "opt": opt,
            "loss_sum": state["loss_sum"] + value,
            "loss_count": state["loss_count"] + 1,
            "step": state["step"] + 1,
            "first_bad": jnp.where(bad, state["step"] + 1, first_bad),
        }

    def forward(state: dict[str, Any], *xs: Any) -> Any:
        return nnx.merge(graph_eval, state["params"], state["rest"], copy=True)(*xs)

    def decode(state: dict[str, Any], src: Any, teacher: Any) -> Any:
        """Greedy free-running decoding: the decoder reads its own predictions (the first
        decoder input, BOS, comes from the data); returns the logits of the last pass,
        whose arg-max at each position is the token generated there."""
        length = teacher.shape[1]
        start = jnp.zeros_like(teacher).at[:, 0].set(teacher[:, 0])

        def body(t: Any, tokens: Any) -> Any:
            logits = forward(state, src, tokens)
            nxt = jnp.argmax(jax.lax.dynamic_index_in_dim(logits, t, 1, False), axis=-1)
            return jax.lax.dynamic_update_index_in_dim(tokens, nxt.astype(tokens.dtype), t + 1, 1)

        tokens = jax.lax.fori_loop(0, length - 1, body, start)
        return forward(state, src, tokens)

    def eval_step(state: dict[str, Any], batch: dict[str, Any], weight: Any) -> dict[str, Any]:
        xs = [batch[k] for k in input_keys]
        out = forward(state, *xs)
        labels = batch[label_key]
        values = {"loss": _per_example(eval_loss(out, labels))}
        if free_running:
            out = decode(state, xs[0], xs[1])
        for metric in metrics:
            values[metric.name or type(metric).__name__.lower()] = _per_example(metric(out, labels))
        return {k: (v * weight).sum() for k, v in values.items()}

    state = {
        "params": params,
        "rest": rest,
        "opt": tx.init(params),
        "loss_sum": jnp.zeros((), jnp.float32),
        "loss_count": jnp.zeros((), jnp.int32),
        "step": jnp.zeros((), jnp.int32),
        "first_bad": jnp.full((), -1, jnp.int32),
    }
    return train_step, eval_step, state


class BatchOrder:
    """Which training examples form step ``s``'s batch: a seeded permutation per epoch."""

    def __init__(self, size: int, batch_size: int, seed: int) -> None:
        self.size = size
        self.batch_size = batch_size
        self.seed = seed
        self.per_epoch = max(1, size // batch_size)
        self._epoch = -1
        self._perm: np.ndarray | None = None

    def indices(self, step: int) -> np.ndarray:
        epoch, i = divmod(step, self.per_epoch)
        if epoch != self._epoch:
            self._perm = np.random.default_rng([self.seed, epoch]).permutation(self.size)
            self._epoch = epoch
        assert self._perm is not None
        if self.size < self.batch_size:  # tiny datasets: sample with wrap-around
            return np.resize(self._perm, self.batch_size)
        return self._perm[i * self.batch_size : (i + 1) * self.batch_size]


def _eval_batches(
    test: dict[str, np.ndarray], batch_size: int
) -> list[tuple[dict[str, np.ndarray], np.ndarray]]:
    n = len(next(iter(test.values())))
    out = []
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        pad = batch_size - (stop - start)
        batch = {
            k: np.concatenate([v[start:stop], np.repeat(v[:1], pad, axis=0)])
            if pad
            else v[start:stop]
            for k, v in test.items()
        }
        weight = np.concatenate([np.ones(stop - start, np.float32), np.zeros(pad, np.float32)])
        out.append((batch, weight))
    return out


LAST_RUN: dict[str, float] = {}
"""Seconds of the last run in this process: ``elapsed`` (the training loop), ``compile``
(the first step, evaluation step included), ``eval``, ``checkpoint``, and ``steps`` (for
benchmarks: the steady state is ``(elapsed - compile) / (steps - 1)``)."""


def _load(dataset: Any) -> Splits:
    """``dataset.load()``; a failure is a ``ComponentError`` at the key path ``dataset``."""
    try:
        return dataset.load()  # type: ignore[no-any-return]
    except ComponentError:
        raise
    except Exception as e:
        raise ComponentError(
            f"loading {type(dataset).__qualname__} failed: {type(e).__name__}: {e}",
            KeyPath(("dataset",)),
            e,
        ) from e


def run_experiment(experiment: Any, context: Any = None) -> dict[str, float]:
    """Train ``experiment`` and return its final metrics (see ``Experiment.run``)."""
    from graftlab.repo.context import RunContext

    if context is None:
        context = RunContext.local()
    trainer = experiment.trainer
    dataset = experiment.dataset
    seed = context.seed if context.seed is not None else trainer.seed
    splits: Splits = _load(dataset)
    dp = DataParallel()
    problem = dp.check_batch_size(trainer.batch_size)
    if problem:
        raise ComponentError(problem, KeyPath(("trainer", "batch_size")))
    input_keys, label_key = tuple(dataset.input_keys), dataset.label_key
    out: list[Any] = []
    model, paths = build_model(experiment.model, splits.train, input_keys, seed, output=out)
    shape = getattr(out[0], "shape", None) if out else None
    output_width = int(shape[-1]) if shape else None
    total = trainer.total_steps(splits.train_size)
    tx = experiment.optimizer.create(total)
    metrics = list(trainer.metrics_for(dataset))
    train_step, eval_step, state = make_steps(
        model, tx, trainer.loss, metrics, input_keys, label_key, trainer.free_running(dataset)
    )
    state = dp.replicate(state)
    train_jit = jax.jit(train_step, donate_argnums=0, out_shardings=dp.replicated)
    eval_jit = jax.jit(eval_step, out_shardings=dp.replicated)
    order = BatchOrder(splits.train_size, trainer.batch_size, seed)
    eval_bs = trainer.eval_batch_size or trainer.batch_size
    eval_bs = math.ceil(eval_bs / dp.num_devices) * dp.num_devices
    eval_data = _eval_batches(splits.test, eval_bs)
    strict = getattr(trainer, "fail_on_nonfinite", True)

    every = trainer.checkpoint_every if trainer.checkpoint_every is not None else trainer.eval_every
    ckpt = None
    start = 0
    if every:
        from graftlab.ml.runtime.checkpoint import Checkpoints

        ckpt = Checkpoints(context.checkpoint_dir, trainer.keep_checkpoints)
        latest = ckpt.latest_step() if context.resume else None
        if latest is not None:
            state = ckpt.restore(latest, like=state)
            start = int(latest)
            context.log(f"resumed from the checkpoint at step {start}")

    def sample(step: int) -> dict[str, np.ndarray]:
        idx = order.indices(step)
        return {k: v[idx] for k, v in splits.train.items()}

    def replay() -> Any:
        batch = sample(start)
        return model(*[jnp.asarray(batch[k]) for k in input_keys])

    def guarded(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception as e:
            err = locate(e, paths, replay)
            if err is None:
                raise
            raise err from e

    def evaluate() -> dict[str, float]:
        sums: dict[str, float] = {}
        count = 0.0
        for batch, weight in eval_data:
            out = guarded(eval_jit, state, dp.shard(batch), dp.shard({"w": weight})["w"])
            for k, v in out.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            count += float(weight.sum())
        return {f"eval_{k}": v / max(count, 1.0) for k, v in sums.items()}

    final: dict[str, float] = {}
    context.log(
        f"training {total} steps on {dp.num_devices} device(s), batch {trainer.batch_size}"
        + (f", from step {start}" if start else "")
    )
    timing = {"compile": 0.0, "eval": 0.0, "checkpoint": 0.0}
    t0 = time.perf_counter()
    first = True
    try:
        with Progress(total, bool(context.show_progress), start) as bar:
            for step in range(start, total):
                batch = dp.shard(sample(step))
                if first:  # compile the training step (and the evaluation step) up front
                    t = time.perf_counter()
                    state = guarded(train_jit, state, batch)
                    if eval_data:
                        ev, w = eval_data[0]
                        jax.block_until_ready(
                            guarded(eval_jit, state, dp.shard(ev), dp.shard({"w": w})["w"])
                        )
                    jax.block_until_ready(state["loss_sum"])
                    timing["compile"] = time.perf_counter() - t
                    first = False
                else:
                    state = train_jit(state, batch)
                done = step + 1
                if done % trainer.eval_every == 0 or done == total:
                    t = time.perf_counter()
                    count, loss_sum, bad = jax.device_get(
                        (state["loss_count"], state["loss_sum"], state["first_bad"])
                    )
                    train_loss = float(loss_sum) / max(int(count), 1)
                    if strict and int(bad) >= 0:
                        check_finite(
                            {
                                "train_loss": float("nan")
                                if math.isfinite(train_loss)
                                else train_loss
                            },
                            int(bad),
                            experiment,
                            output_width,
                        )
                    state = {
                        **state,
                        "loss_sum": jnp.zeros_like(state["loss_sum"]),
                        "loss_count": jnp.zeros_like(state["loss_count"]),
                    }
                    state = dp.replicate(state)
                    final = {"train_loss": train_loss, **evaluate()}
                    if strict:
                        check_finite(final, done, experiment, output_width)
                    timing["eval"] += time.perf_counter() - t
                    context.metrics(done, **final)
                    bar.update(done, **final)
                elif done % 10 == 0:
                    bar.update(done)
                if ckpt is not None and (done % every == 0 or done == total):
                    t = time.perf_counter()
                    ckpt.save(done, state)
                    timing["checkpoint"] += time.perf_counter() - t
    finally:  # an interrupted run still completes the checkpoint being written
        if ckpt is not None:
            t = time.perf_counter()
            ckpt.close()  # waits for the last asynchronous save
            timing["checkpoint"] += time.perf_counter() - t
    elapsed = time.perf_counter() - t0
    if not final:  # resumed at the very end: evaluate the restored state
        final = evaluate()
    steps_run = total - start
    LAST_RUN.clear()
    LAST_RUN.update(timing, steps=steps_run, elapsed=elapsed)
    if steps_run:
        train_time = max(elapsed - sum(timing.values()), 1e-9)
        context.log(
            f"done: {steps_run} steps in {elapsed:.1f} s: training {train_time:.1f} s "
            f"({steps_run * trainer.batch_size / train_time:.0f} examples/s), "
            f"compilation {timing['compile']:.1f} s, evaluation {timing['eval']:.1f} s, "
            f"checkpoints {timing['checkpoint']:.1f} s"
        )
    return final

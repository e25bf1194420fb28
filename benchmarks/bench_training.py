"""Training: ``graft run``'s steady-state step time next to hand-written Flax NNX loops.

The trainer itself is measured: ``Experiment.run`` (what ``graft run`` calls) with its default
settings (data feeding from NumPy, loss read-out and evaluation every ``eval_every`` steps,
asynchronous checkpoints at each evaluation), against two loops written by hand for the same
model (the same CNN on digits written as an ``nnx.Module``), batch and data pipeline (the same
seeded batch order, gathered in NumPy and fed per step), evaluating at the same cadence:

* idiomatic: ``nnx.Optimizer`` and an ``nnx.jit``-ed step, as the Flax docs write it;
* tuned: ``nnx.split`` once, ``nnx.merge`` inside a ``jax.jit``-ed step with donated state.

Warm-up (compilation of the training and evaluation steps) is excluded from every side. Each
side runs in its own process, rounds interleaved; medians with their spread are reported.
Target: graftlab <= 1.05x the tuned loop.

Run ``python benchmarks/run.py training`` or ``python benchmarks/bench_training.py``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _timing import Measurement
from flax import nnx

import graftlab.ml as ml

TITLE = "training: steady-state seconds per step (graft run vs hand-written NNX loops)"
RATIO_TARGET = 1.05
WIDTHS = (32, 64)
BATCH = 128
EVAL_EVERY = 100
LR = 3e-3

# --- hand-written anchors -------------------------------------------------------------------


class HandCNN(nnx.Module):
    """conv-bn-relu(16) -> maxpool -> conv-bn-relu(32) -> global mean -> dense(10)."""

    def __init__(self, widths: tuple[int, ...], num_classes: int, *, rngs: nnx.Rngs) -> None:
        convs, norms = [], []
        c = 1
        for w in widths:
            convs.append(nnx.Conv(c, w, kernel_size=(3, 3), padding="SAME", rngs=rngs))
            norms.append(nnx.BatchNorm(w, momentum=0.9, epsilon=1e-5, rngs=rngs))
            c = w
        self.convs = nnx.List(convs)
        self.norms = nnx.List(norms)
        self.head = nnx.Linear(c, num_classes, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        n = len(self.convs)
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms, strict=True)):
            x = jax.nn.relu(norm(conv(x)))
            if i + 1 < n:
                x = nnx.max_pool(x, (2, 2), (2, 2), "VALID")
        return self.head(x.mean(axis=(1, 2)))


# --- one side, in its own process --------------------------------------------------------


def _experiment(steps: int) -> ml.Experiment:
    return ml.Experiment(
        model=ml.cnn(widths=WIDTHS, num_classes=10),
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=LR),
        trainer=ml.Trainer(steps=steps, batch_size=BATCH, eval_every=EVAL_EVERY),
    )


def _graftlab(steps: int) -> float:
    from graftlab.ml.runtime.loop import LAST_RUN
    from graftlab.repo.context import RunContext

    with tempfile.TemporaryDirectory() as d:
        ctx = RunContext(run_id="bench", workdir=Path(d), show_progress=False)
        _experiment(steps).run(ctx)
    return (LAST_RUN["elapsed"] - LAST_RUN["compile"]) / (LAST_RUN["steps"] - 1)


def _data() -> tuple[Any, dict[str, np.ndarray], list[tuple[dict[str, np.ndarray], np.ndarray]]]:
    from graftlab.ml.runtime.loop import BatchOrder, _eval_batches

    splits = ml.Digits().load()
    order = BatchOrder(splits.train_size, BATCH, 0)
    return order, splits.train, _eval_batches(splits.test, BATCH)


def _loss(logits: jax.Array, y: jax.Array) -> jax.Array:
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


def _hand(steps: int, tuned: bool) -> float:
    order, train_data, evals = _data()
    model = HandCNN(WIDTHS, 10, rngs=nnx.Rngs(0))
    tx = optax.adam(LR)
    if tuned:
        graph, params, rest = nnx.split(model, nnx.Param, ...)
        model.eval()
        graph_eval = nnx.graphdef(model)
        state = (params, rest, tx.init(params))

        @jax.jit
        def _train(state: Any, x: jax.Array, y: jax.Array) -> tuple[Any, jax.Array]:
            params, rest, opt = state

            def lf(p: Any) -> tuple[jax.Array, Any]:
                m = nnx.merge(graph, p, rest, copy=True)
                return _loss(m(x), y), nnx.split(m, nnx.Param, ...)[2]

            (loss, rest), g = jax.value_and_grad(lf, has_aux=True)(params)
            updates, opt = tx.update(g, opt, params)
            return (optax.apply_updates(params, updates), rest, opt), loss

        train = jax.jit(_train.__wrapped__, donate_argnums=0)  # type: ignore[attr-defined]

        @jax.jit
        def evaluate(state: Any, x: jax.Array, y: jax.Array, w: jax.Array) -> jax.Array:
            m = nnx.merge(graph_eval, state[0], state[1], copy=True)
            return ((jnp.argmax(m(x), -1) == y) * w).sum()

        def step(batch: dict[str, np.ndarray]) -> jax.Array:
            nonlocal state
            state, loss = train(state, batch["x"], batch["y"])
            return loss

        def run_eval() -> float:
            return sum(float(evaluate(state, b["x"], b["y"], w)) for b, w in evals)

    else:
        opt = nnx.Optimizer(model, tx, wrt=nnx.Param)

        @nnx.jit
        def nnx_step(model: Any, opt: Any, x: jax.Array, y: jax.Array) -> jax.Array:
            def lf(m: Any) -> jax.Array:
                return _loss(m(x), y)

            loss, g = nnx.value_and_grad(lf)(model)
            opt.update(model, g)
            return loss

        @nnx.jit
        def nnx_eval(model: Any, x: jax.Array, y: jax.Array, w: jax.Array) -> jax.Array:
            return ((jnp.argmax(model(x), -1) == y) * w).sum()

        def step(batch: dict[str, np.ndarray]) -> jax.Array:
            model.train()
            return nnx_step(model, opt, batch["x"], batch["y"])

        def run_eval() -> float:
            model.eval()
            out = sum(float(nnx_eval(model, b["x"], b["y"], w)) for b, w in evals)
            model.train()
            return out

    def sample(i: int) -> dict[str, np.ndarray]:
        idx = order.indices(i)
        return {k: v[idx] for k, v in train_data.items()}

    jax.block_until_ready(step(sample(0)))  # warm-up: compile both steps
    run_eval()
    t0 = time.perf_counter()
    total = jnp.zeros(())
    for i in range(1, steps):
        total = total + step(sample(i))
        if (i + 1) % EVAL_EVERY == 0 or i + 1 == steps:
            float(total)  # log the loss
            run_eval()
    jax.block_until_ready(total)
    return (time.perf_counter() - t0) / (steps - 1)


SIDES = ("graftlab", "tuned", "idiomatic")


def one(side: str, steps: int) -> float:
    """Steady-state seconds per step of one side (run in a fresh process)."""
    if side == "graftlab":
        return _graftlab(steps)
    return _hand(steps, tuned=side == "tuned")


def _spawn(side: str, steps: int) -> float:
    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, __file__, "--one", side, str(steps)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parent,
        timeout=600,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1])["seconds"])


def _spread(xs: list[float]) -> str:
    return f"{min(xs) * 1e3:.2f}-{max(xs) * 1e3:.2f} ms"


def run(quick: bool = False) -> list[dict[str, Any]]:
    steps = 200 if quick else 600
    rounds = 2 if quick else 5
    times: dict[str, list[float]] = {s: [] for s in SIDES}
    for r in range(rounds):  # interleaved, the order rotating each round
        for side in SIDES[r % 3 :] + SIDES[: r % 3]:
            times[side].append(_spawn(side, steps))
    med = {s: statistics.median(v) for s, v in times.items()}
    rows = []
    for side in SIDES:
        rows.append(
            {
                "case": f"CNN {WIDTHS} on digits, batch {BATCH}, {steps} steps: {side}",
                "seconds_per_step": Measurement(med[side]),
                "spread": _spread(times[side]),
                "vs_tuned": f"{med[side] / med['tuned']:.3f}",
                "vs_idiomatic": f"{med[side] / med['idiomatic']:.3f}",
            }
        )
    ratio = med["graftlab"] / med["tuned"]
    rows.append(
        {
            "case": "graftlab / tuned (target <= 1.05)",
            "seconds_per_step": Measurement(med["graftlab"]),
            "spread": "",
            "vs_tuned": f"{ratio:.3f} ({'ok' if ratio <= RATIO_TARGET else 'over'})",
            "vs_idiomatic": f"{med['graftlab'] / med['idiomatic']:.3f}",
        }
    )
    return rows


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "--one":
        print(json.dumps({"seconds": one(sys.argv[2], int(sys.argv[3]))}))
    else:
        from _report import print_rows

        print_rows(TITLE, run(quick="--quick" in sys.argv))

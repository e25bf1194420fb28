"""Training step time: symbolically built models next to the same models written in Flax NNX.

A CNN on digits and an encoder-decoder Transformer on the copy task are built from graftlab
specs (``graftlab.ml``) and, as the anchor, written by hand as ``nnx.Module``s with the same
layers. Both are trained by the same jitted step (``graftlab.ml.runtime.loop.make_steps``:
``nnx.split`` once, ``nnx.merge`` inside ``jax.jit``); the time per step is measured after
compilation. Target: graftlab / anchor <= 1.02.

Run ``python benchmarks/run.py training`` or ``python benchmarks/bench_training.py``.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from _timing import Measurement
from flax import nnx

import graftlab.ml as ml
from graftlab.ml.runtime.loop import build_model, make_steps

TITLE = "training: seconds per step after compilation (graftlab-built vs hand-written NNX)"
RATIO_TARGET = 1.02


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


class HandAttention(nnx.Module):
    def __init__(self, d: int, heads: int, *, rngs: nnx.Rngs) -> None:
        self.q = nnx.Linear(d, d, rngs=rngs)
        self.k = nnx.Linear(d, d, rngs=rngs)
        self.v = nnx.Linear(d, d, rngs=rngs)
        self.o = nnx.Linear(d, d, rngs=rngs)
        self.heads = heads

    def __call__(self, x: jax.Array, ctx: jax.Array, causal: bool) -> jax.Array:
        b, q_len, d = x.shape
        k_len, h = ctx.shape[1], self.heads
        q = self.q(x).reshape(b, q_len, h, d // h)
        k = self.k(ctx).reshape(b, k_len, h, d // h)
        v = self.v(ctx).reshape(b, k_len, h, d // h)
        logits = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(d // h).astype(q.dtype)
        if causal:
            mask = np.tril(np.ones((q_len, k_len), bool))
            logits = jnp.where(mask, logits, jnp.finfo(logits.dtype).min)
        w = jax.nn.softmax(logits, axis=-1)
        return self.o(jnp.einsum("bhqk,bkhd->bqhd", w, v).reshape(b, q_len, d))


class HandBlock(nnx.Module):
    def __init__(self, d: int, heads: int, hidden: int, cross: bool, *, rngs: nnx.Rngs) -> None:
        self.attn = HandAttention(d, heads, rngs=rngs)
        self.cross = HandAttention(d, heads, rngs=rngs) if cross else None
        self.wi = nnx.Linear(d, hidden, rngs=rngs)
        self.wo = nnx.Linear(hidden, d, rngs=rngs)
        self.norms = nnx.List([nnx.LayerNorm(d, rngs=rngs) for _ in range(3 if cross else 2)])

    def __call__(self, x: jax.Array, memory: jax.Array | None, causal: bool) -> jax.Array:
        n = self.norms
        h = n[0](x)
        x = x + self.attn(h, h, causal)
        if self.cross is not None:
            x = x + self.cross(n[1](x), memory, False)
        return x + self.wo(jax.nn.gelu(self.wi(n[-1](x)), approximate=False))


class HandTransformer(nnx.Module):
    def __init__(
        self, vocab: int, d: int, heads: int, layers: int, max_len: int, *, rngs: nnx.Rngs
    ) -> None:
        self.embed = nnx.Embed(vocab, d, rngs=rngs)
        self.pos = nnx.Embed(max_len, d, rngs=rngs)
        self.encoder = nnx.List(
            [HandBlock(d, heads, 4 * d, False, rngs=rngs) for _ in range(layers)]
        )
        self.decoder = nnx.List(
            [HandBlock(d, heads, 4 * d, True, rngs=rngs) for _ in range(layers)]
        )
        self.enc_norm = nnx.LayerNorm(d, rngs=rngs)
        self.norm = nnx.LayerNorm(d, rngs=rngs)
        self.head = nnx.Linear(d, vocab, rngs=rngs)

    def _embed(self, t: jax.Array) -> jax.Array:
        return self.embed(t) + self.pos(jnp.arange(t.shape[1]))[None]

    def __call__(self, src: jax.Array, tgt: jax.Array) -> jax.Array:
        m = self._embed(src)
        for blk in self.encoder:
            m = blk(m, None, False)
        m = self.enc_norm(m)
        x = self._embed(tgt)
        for blk in self.decoder:
            x = blk(x, m, True)
        return self.head(self.norm(x))


# --- timing -------------------------------------------------------------------------------


def _stepper(model: Any, keys: tuple[str, ...], label: str, first: dict[str, Any]) -> Any:
    """A compiled training step and its state, for ``model``."""
    tx = optax.adam(1e-3)
    train_step, _, state = make_steps(model, tx, ml.CrossEntropy(), [], keys, label)
    step = jax.jit(train_step, donate_argnums=0)
    state = step(state, first)  # compile
    jax.block_until_ready(state)
    return [step, state]


def _round(s: Any, batches: list[dict[str, Any]], steps: int, r: int) -> float:
    step, state = s
    t0 = time.perf_counter()
    for i in range(steps):
        state = step(state, batches[(r * steps + i) % len(batches)])
    jax.block_until_ready(state)
    s[1] = state
    return (time.perf_counter() - t0) / steps


def _time_pair(
    a: Any, b: Any, batches: list[dict[str, Any]], steps: int, rounds: int = 7
) -> tuple[float, float]:
    """Median seconds per step of two steppers, measured in alternating rounds."""
    ta, tb = [], []
    for r in range(rounds):
        first, second = (a, b) if r % 2 == 0 else (b, a)
        t1 = _round(first, batches, steps, r)
        t2 = _round(second, batches, steps, r)
        ta.append(t1 if first is a else t2)
        tb.append(t2 if first is a else t1)
    return statistics.median(ta), statistics.median(tb)


def _batches(data: dict[str, np.ndarray], bs: int, n: int = 8) -> list[dict[str, Any]]:
    rng = np.random.default_rng(0)
    size = len(next(iter(data.values())))
    out = []
    for _ in range(n):
        idx = rng.choice(size, bs, replace=False)
        out.append({k: jnp.asarray(v[idx]) for k, v in data.items()})
    return out


def _case(name: str, spec: Any, anchor: Any, dataset: Any, bs: int, steps: int) -> dict[str, Any]:
    splits = dataset.load()
    keys, label = tuple(dataset.input_keys), dataset.label_key
    batches = _batches(splits.train, bs)
    built, _ = build_model(spec, splits.train, keys, seed=0)
    g, a = _time_pair(
        _stepper(built, keys, label, batches[0]),
        _stepper(anchor, keys, label, batches[0]),
        batches,
        steps,
    )
    ratio = g / a
    return {
        "case": name,
        "graftlab": Measurement(g),
        "anchor": Measurement(a),
        "ratio": f"{ratio:.3f} ({'ok' if ratio <= RATIO_TARGET else 'over'} ≤{RATIO_TARGET})",
        "examples_per_s": f"{bs / g:,.0f}",
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    steps = 20 if quick else 100
    rows = []
    widths = (32, 64)
    rows.append(
        _case(
            "CNN 32-64 on digits, batch 128",
            ml.cnn(widths=widths, num_classes=10),
            HandCNN(widths, 10, rngs=nnx.Rngs(0)),
            ml.Digits(),
            128,
            steps,
        )
    )
    task = ml.CopyTask(num_symbols=8, length=16)
    spec = ml.transformer(
        task.num_classes,
        features=64,
        num_heads=4,
        encoder_layers=2,
        decoder_layers=2,
        max_length=32,
    )
    rows.append(
        _case(
            "Transformer 2+2 layers d=64 on copy, batch 64",
            spec,
            HandTransformer(task.num_classes, 64, 4, 2, 32, rngs=nnx.Rngs(0)),
            task,
            64,
            steps // 2,
        )
    )
    return rows


if __name__ == "__main__":
    from _report import print_rows

    print_rows(TITLE, run())

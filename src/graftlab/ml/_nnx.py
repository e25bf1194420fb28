"""The Flax NNX modules that graftlab's component specs build (imports JAX and Flax).

Only ``make`` methods of the specs import this module, when a run starts. Submodules are
held in ``nnx.List`` (plain lists of modules are rejected by Flax 0.12) and every static
attribute is a hashable Python value.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx


def dtype_of(name: str | None) -> Any:
    return None if name is None else jnp.dtype(name)


class Activation(nnx.Module):
    """A parameter-free nonlinearity chosen by name."""

    def __init__(self, kind: str, slope: float = 0.01, approximate: bool = False) -> None:
        self.kind = kind
        self.slope = slope
        self.approximate = approximate

    def __call__(self, x: jax.Array) -> jax.Array:
        k = self.kind
        if k == "relu":
            return jax.nn.relu(x)
        if k == "gelu":
            return jax.nn.gelu(x, approximate=self.approximate)
        if k == "leaky_relu":
            return jax.nn.leaky_relu(x, negative_slope=self.slope)
        if k == "tanh":
            return jnp.tanh(x)
        if k == "silu":
            return jax.nn.silu(x)
        if k == "sigmoid":
            return jax.nn.sigmoid(x)
        if k == "elu":
            return jax.nn.elu(x)
        if k == "identity":
            return x
        raise ValueError(f"unknown activation {k!r}")


class Pool(nnx.Module):
    """Max or average pooling over the spatial axes of ``(batch, H, W, C)``."""

    def __init__(self, kind: str, window: int, strides: int, padding: str) -> None:
        self.kind = kind
        self.window = window
        self.strides = strides
        self.padding = padding

    def __call__(self, x: jax.Array) -> jax.Array:
        fn = nnx.max_pool if self.kind == "max" else nnx.avg_pool
        spatial = x.ndim - 2
        return fn(
            x,
            window_shape=(self.window,) * spatial,
            strides=(self.strides,) * spatial,
            padding=self.padding,
        )


class GlobalPool(nnx.Module):
    """Mean (or max) over every axis between batch and features."""

    def __init__(self, kind: str = "avg") -> None:
        self.kind = kind

    def __call__(self, x: jax.Array) -> jax.Array:
        axes = tuple(range(1, x.ndim - 1))
        return x.mean(axis=axes) if self.kind == "avg" else x.max(axis=axes)


class Flatten(nnx.Module):
    """``(batch, ...) -> (batch, -1)``."""

    def __call__(self, x: jax.Array) -> jax.Array:
        return x.reshape((x.shape[0], -1))


class Reshape(nnx.Module):
    """``(batch, ...) -> (batch, *shape)``."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def __call__(self, x: jax.Array) -> jax.Array:
        return x.reshape((x.shape[0], *self.shape))


class Sequential(nnx.Module):
    """Calls its layers in order."""

    def __init__(self, layers: list[nnx.Module]) -> None:
        self.layers = nnx.List(layers)

    def __call__(self, x: jax.Array) -> jax.Array:
        for layer in self.layers:
            x = layer(x)
        return x


class SeparableConv(nnx.Module):
    """A depthwise convolution followed by a 1x1 pointwise convolution."""

    def __init__(self, depthwise: nnx.Conv, pointwise: nnx.Conv) -> None:
        self.depthwise = depthwise
        self.pointwise = pointwise

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.pointwise(self.depthwise(x))


class Residual(nnx.Module):
    """``activation(body(x) + projection(x))``; the projection is the identity if absent."""

    def __init__(
        self, body: nnx.Module, projection: nnx.Module | None, activation: nnx.Module | None
    ) -> None:
        self.body = body
        self.projection = projection
        self.activation = activation

    def __call__(self, x: jax.Array) -> jax.Array:
        shortcut = x if self.projection is None else self.projection(x)
        y = self.body(x) + shortcut
        return y if self.activation is None else self.activation(y)


class Classifier(nnx.Module):
    """``head(flatten(pool(layers(x))))``: MLP, CNN and ResNet models."""

    def __init__(
        self,
        stem: nnx.Module | None,
        layers: list[nnx.Module],
        pooling: nnx.Module | None,
        head: nnx.Module,
        flatten_input: bool,
    ) -> None:
        self.stem = stem
        self.layers = nnx.List(layers)
        self.pooling = pooling
        self.head = head
        self.flatten_input = flatten_input

    def __call__(self, x: jax.Array) -> jax.Array:
        if self.flatten_input:
            x = x.reshape((x.shape[0], -1))
        if self.stem is not None:
            x = self.stem(x)
        for layer in self.layers:
            x = layer(x)
        if self.pooling is not None:
            x = self.pooling(x)
        x = x.reshape((x.shape[0], -1))
        return self.head(x)


# --- attention ------------------------------------------------------------------------


def relative_buckets(
    q_len: int, k_len: int, num_buckets: int, max_distance: int, bidirectional: bool
) -> np.ndarray:
    """T5's relative position buckets, ``(q_len, k_len)`` ints (computed at trace time)."""
    rel = np.arange(k_len)[None, :] - np.arange(q_len)[:, None] + (k_len - q_len)
    n = -rel
    ret = np.zeros_like(n)
    if bidirectional:
        num_buckets //= 2
        ret += (n < 0).astype(np.int64) * num_buckets
        n = np.abs(n)
    else:
        n = np.maximum(n, 0)
    max_exact = max(num_buckets // 2, 1)
    small = n < max_exact
    with np.errstate(divide="ignore"):
        large = max_exact + (
            np.log(np.maximum(n, 1) / max_exact)
            / math.log(max(max_distance / max_exact, 1.0 + 1e-6))
            * (num_buckets - max_exact)
        ).astype(np.int64)
    large = np.minimum(large, num_buckets - 1)
    return (ret + np.where(small, n, large)).astype(np.int32)


class MultiHeadAttention(nnx.Module):
    """Multi-head dot-product attention, optionally with T5-style relative position biases."""

    def __init__(
        self,
        in_features: int,
        context_features: int,
        num_heads: int,
        qkv_features: int,
        out_features: int,
        dropout: float,
        relative_bias: bool,
        num_buckets: int,
        max_distance: int,
        bidirectional: bool,
        use_bias: bool,
        dtype: Any,
        rngs: nnx.Rngs,
    ) -> None:
        if qkv_features % num_heads:
            raise ValueError(
                f"qkv_features={qkv_features} is not divisible by num_heads={num_heads}"
            )
        kw = dict(use_bias=use_bias, dtype=dtype, rngs=rngs)
        self.query = nnx.Linear(in_features, qkv_features, **kw)
        self.key = nnx.Linear(context_features, qkv_features, **kw)
        self.value = nnx.Linear(context_features, qkv_features, **kw)
        self.out = nnx.Linear(qkv_features, out_features, **kw)
        self.num_heads = num_heads
        self.head_dim = qkv_features // num_heads
        self.dropout = nnx.Dropout(dropout, rngs=rngs) if dropout > 0 else None
        self.relative = (
            nnx.Embed(num_buckets, num_heads, dtype=dtype, rngs=rngs) if relative_bias else None
        )
        self.num_buckets = num_buckets
        self.max_distance = max_distance
        self.bidirectional = bidirectional

    def __call__(
        self, x: jax.Array, context: jax.Array | None = None, causal: bool = False
    ) -> jax.Array:
        context = x if context is None else context
        b, q_len, _ = x.shape
        k_len = context.shape[1]
        h, d = self.num_heads, self.head_dim
        q = self.query(x).reshape(b, q_len, h, d)
        k = self.key(context).reshape(b, k_len, h, d)
        v = self.value(context).reshape(b, k_len, h, d)
        logits = jnp.einsum("bqhd,bkhd->bhqk", q, k) / jnp.sqrt(d).astype(q.dtype)
        if self.relative is not None:
            buckets = relative_buckets(
                q_len, k_len, self.num_buckets, self.max_distance, self.bidirectional and not causal
            )
            bias = self.relative.embedding[...][jnp.asarray(buckets)]  # (q, k, h)
            logits = logits + jnp.transpose(bias, (2, 0, 1))[None].astype(logits.dtype)
        if causal:
            mask = np.tril(np.ones((q_len, k_len), dtype=bool), k=k_len - q_len)
            logits = jnp.where(mask[None, None], logits, jnp.finfo(logits.dtype).min)
        weights = jax.nn.softmax(logits.astype(jnp.float32), axis=-1).astype(v.dtype)
        if self.dropout is not None:
            weights = self.dropout(weights)
        y = jnp.einsum("bhqk,bkhd->bqhd", weights, v).reshape(b, q_len, h * d)
        return self.out(y)


class FeedForward(nnx.Module):
    """``W2 act(W1 x)`` or, gated (GLU), ``W2 (act(W1 x) * W3 x)``."""

    def __init__(
        self,
        features: int,
        hidden: int,
        activation: nnx.Module,
        gated: bool,
        dropout: float,
        dtype: Any,
        rngs: nnx.Rngs,
    ) -> None:
        self.wi = nnx.Linear(features, hidden, dtype=dtype, rngs=rngs)
        self.wg = nnx.Linear(features, hidden, dtype=dtype, rngs=rngs) if gated else None
        self.wo = nnx.Linear(hidden, features, dtype=dtype, rngs=rngs)
        self.activation = activation
        self.dropout = nnx.Dropout(dropout, rngs=rngs) if dropout > 0 else None

    def __call__(self, x: jax.Array) -> jax.Array:
        h = self.activation(self.wi(x))
        if self.wg is not None:
            h = h * self.wg(x)
        if self.dropout is not None:
            h = self.dropout(h)
        return self.wo(h)


class TransformerBlock(nnx.Module):
    """Self-attention, optional cross-attention and feed-forward, pre- or post-norm."""

    def __init__(
        self,
        attention: MultiHeadAttention,
        cross_attention: MultiHeadAttention | None,
        feed_forward: nnx.Module,
        norms: list[nnx.Module],
        dropout: float,
        pre_norm: bool,
        rngs: nnx.Rngs,
    ) -> None:
        self.attention = attention
        self.cross_attention = cross_attention
        self.feed_forward = feed_forward
        self.norms = nnx.List(norms)
        self.dropout = nnx.Dropout(dropout, rngs=rngs) if dropout > 0 else None
        self.pre_norm = pre_norm

    def _sub(self, x: jax.Array, i: int, fn: Any) -> jax.Array:
        norm = self.norms[i]
        y = fn(norm(x)) if self.pre_norm else fn(x)
        if self.dropout is not None:
            y = self.dropout(y)
        return x + y if self.pre_norm else norm(x + y)

    def __call__(
        self, x: jax.Array, memory: jax.Array | None = None, causal: bool = False
    ) -> jax.Array:
        x = self._sub(x, 0, lambda h: self.attention(h, causal=causal))
        if self.cross_attention is not None:
            if memory is None:
                raise ValueError("a block with cross-attention needs the encoder's output")
            cross = self.cross_attention
            x = self._sub(x, 1, lambda h: cross(h, context=memory))
        return self._sub(x, len(self.norms) - 1, self.feed_forward)


class Transformer(nnx.Module):
    """Encoder-decoder, or decoder-only over ``[inputs, decoder_inputs]``; returns logits
    for the decoder positions."""

    def __init__(
        self,
        embedding: nnx.Embed,
        positions: nnx.Embed | None,
        encoder: list[TransformerBlock],
        decoder: list[TransformerBlock],
        encoder_norm: nnx.Module | None,
        final_norm: nnx.Module | None,
        head: nnx.Module,
        decoder_only: bool,
    ) -> None:
        self.embedding = embedding
        self.positions = positions
        self.encoder = nnx.List(encoder)
        self.decoder = nnx.List(decoder)
        self.encoder_norm = encoder_norm
        self.final_norm = final_norm
        self.head = head
        self.decoder_only = decoder_only

    def _embed(self, tokens: jax.Array) -> jax.Array:
        x = self.embedding(tokens)
        if self.positions is not None:
            x = x + self.positions(jnp.arange(tokens.shape[1]))[None].astype(x.dtype)
        return x

    def __call__(self, inputs: jax.Array, decoder_inputs: jax.Array) -> jax.Array:
        t = decoder_inputs.shape[1]
        if self.decoder_only:
            x = self._embed(jnp.concatenate([inputs, decoder_inputs], axis=1))
            for block in self.decoder:
                x = block(x, causal=True)
            x = x[:, -t:]
        else:
            memory = self._embed(inputs)
            for block in self.encoder:
                memory = block(memory)
            if self.encoder_norm is not None:
                memory = self.encoder_norm(memory)
            x = self._embed(decoder_inputs)
            for block in self.decoder:
                x = block(x, memory=memory, causal=True)
        if self.final_norm is not None:
            x = self.final_norm(x)
        return self.head(x)


# --- Linen modules ------------------------------------------------------------------------

# Arguments of a Linen ``__call__`` that switch modes: name -> whether True means training.
LINEN_MODE_ARGS = {
    "train": True,
    "training": True,
    "is_training": True,
    "is_train": True,
    "deterministic": False,
    "use_running_average": False,
    "eval": False,
    "evaluate": False,
}


def linen_mode_arg(module: Any) -> tuple[str | None, bool]:
    """The mode argument of a Linen module's ``__call__`` (found by signature) and whether
    ``True`` means training; ``(None, True)`` if it has none."""
    import inspect

    try:
        params = inspect.signature(type(module).__call__).parameters
    except (TypeError, ValueError):
        return None, True
    for name, means_train in LINEN_MODE_ARGS.items():
        if name in params:
            return name, means_train
    return None, True


class Linen(nnx.Module):
    """A Linen module (through ``nnx.bridge.ToNNX``) switched between training and
    evaluation as NNX modules are: ``model.train()``/``model.eval()`` set ``deterministic``,
    which sets the module's mode argument (``train``/``deterministic``...) and, in training,
    makes its non-parameter collections (``batch_stats``) mutable."""

    def __init__(
        self, inner: Any, mode_arg: str | None, means_train: bool, mutable: tuple[str, ...]
    ) -> None:
        self.inner = inner
        self.mode_arg = mode_arg
        self.means_train = means_train
        self.mutable = mutable
        self.deterministic = False  # training mode; model.eval() sets it

    def mode_kwargs(self, training: bool) -> dict[str, bool]:
        if self.mode_arg is None:
            return {}
        return {self.mode_arg: training if self.means_train else not training}

    def __call__(self, *xs: Any) -> Any:
        training = not self.deterministic
        mutable: Any = list(self.mutable) if training and self.mutable else False
        return self.inner(*xs, mutable=mutable, **self.mode_kwargs(training))

"""Attention components: multi-head attention, feed-forward and transformer blocks.

``MultiHeadAttention(relative_bias=True)`` adds T5-style bucketed relative position biases;
``FeedForward(gated=True)`` is the gated (GLU) variant; ``TransformerBlock(pre_norm=...)``
picks pre- or post-normalization.
"""

from __future__ import annotations

from typing import Annotated, Any

from graftlab.ml.activations import GELU
from graftlab.ml.base import Abstract, Builder, Component, struct
from graftlab.ml.blocks import Module
from graftlab.ml.layers import DType, LayerNorm
from graftlab.symbolic.constraints import Range
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.symbolize import symbolize


@symbolize
class MultiHeadAttention(Component):
    """Multi-head dot-product attention.

    Args:
      num_heads: number of heads (must divide ``qkv_features``).
      qkv_features: width of queries, keys and values; None uses the input width.
      dropout: dropout on the attention weights.
      relative_bias: add learned relative position biases (T5 buckets) to the logits.
      num_buckets: relative position buckets.
      max_distance: distance beyond which positions share a bucket.
      use_bias: biases in the projections.
      dtype: computation dtype.
    """

    def __init__(
        self,
        num_heads: Annotated[int, Range(1, None)] = 4,
        qkv_features: int | None = None,
        dropout: Annotated[float, Range(0.0, 1.0)] = 0.0,
        relative_bias: bool = False,
        num_buckets: Annotated[int, Range(2, None)] = 32,
        max_distance: Annotated[int, Range(1, None)] = 128,
        use_bias: bool = True,
        dtype: DType = None,
    ) -> None:
        self.num_heads = num_heads
        self.qkv_features = qkv_features
        self.dropout = dropout
        self.relative_bias = relative_bias
        self.num_buckets = num_buckets
        self.max_distance = max_distance
        self.use_bias = use_bias
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml import _nnx

        context = x
        if isinstance(x, tuple):
            x, context = x
        d = int(x.shape[-1])
        m = _nnx.MultiHeadAttention(
            d,
            int(context.shape[-1]),
            self.num_heads,
            self.qkv_features or d,
            d,
            self.dropout,
            self.relative_bias,
            self.num_buckets,
            self.max_distance,
            True,
            self.use_bias,
            _nnx.dtype_of(self.dtype),
            b.rngs,
        )
        return m, x


@symbolize
class FeedForward(Component):
    """The position-wise feed-forward layer of a transformer block.

    Args:
      hidden: inner width.
      activation: the nonlinearity.
      gated: gate the inner layer (``act(W1 x) * W3 x``; GEGLU with GELU).
      dropout: dropout on the inner activations.
      dtype: computation dtype.
    """

    def __init__(
        self,
        hidden: Annotated[int, Range(1, None)] = 256,
        activation: Module = GELU(),  # noqa: B008
        gated: bool = False,
        dropout: Annotated[float, Range(0.0, 1.0)] = 0.0,
        dtype: DType = None,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.gated = gated
        self.dropout = dropout
        self.dtype = dtype

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml import _nnx

        act, _ = b.build(
            self.activation, struct((*x.shape[:-1], self.hidden), x.dtype), path.child("activation")
        )
        m = _nnx.FeedForward(
            int(x.shape[-1]),
            self.hidden,
            act,
            self.gated,
            self.dropout,
            _nnx.dtype_of(self.dtype),
            b.rngs,
        )
        return m, x


@symbolize
class TransformerBlock(Component):
    """Self-attention (+ cross-attention in a decoder) and a feed-forward layer.

    Args:
      attention: the self-attention.
      feed_forward: the feed-forward layer.
      norm: the normalization used around each sub-layer.
      cross_attention: attention over the encoder's output (encoder-decoder decoders).
      pre_norm: normalize the input of each sub-layer (True) or the sum (False).
      dropout: dropout on each sub-layer's output.
    """

    def __init__(
        self,
        attention: MultiHeadAttention,
        feed_forward: FeedForward,
        norm: Module = LayerNorm(),  # noqa: B008
        cross_attention: MultiHeadAttention | None = None,
        pre_norm: bool = True,
        dropout: Annotated[float, Range(0.0, 1.0)] = 0.0,
    ) -> None:
        self.attention = attention
        self.feed_forward = feed_forward
        self.norm = norm
        self.cross_attention = cross_attention
        self.pre_norm = pre_norm
        self.dropout = dropout

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml import _nnx

        memory = None
        if isinstance(x, tuple):
            x, memory = x
        attn, _ = b.build(self.attention, x, path.child("attention"))
        cross = None
        if self.cross_attention is not None:
            if memory is None:
                raise ValueError("cross_attention needs an encoder: this block has no memory")
            cross, _ = b.build(self.cross_attention, (x, memory), path.child("cross_attention"))
        ff, _ = b.build(self.feed_forward, x, path.child("feed_forward"))
        norms = [
            b.build(self.norm, x, path.child("norm"))[0]
            for _ in range(3 if cross is not None else 2)
        ]
        return _nnx.TransformerBlock(attn, cross, ff, norms, self.dropout, self.pre_norm, b.rngs), x

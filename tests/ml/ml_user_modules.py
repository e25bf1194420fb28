"""Users' own Flax modules, symbolized: an NNX block, an NNX model, a Linen MLP."""

from __future__ import annotations

import jax
from flax import linen as nn
from flax import nnx

import graftlab as gl


@gl.symbolize
class UserBlock(nnx.Module):
    """A dense layer with a nonlinearity; ``din`` is written by hand (so it can be wrong)."""

    def __init__(self, din: int, dout: int, *, rngs: nnx.Rngs) -> None:
        self.linear = nnx.Linear(din, dout, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return jax.nn.relu(self.linear(x))


@gl.symbolize
class UserNet(nnx.Module):
    """Flattens, applies its blocks, then a classifier."""

    def __init__(self, blocks: list[UserBlock], num_classes: int, *, rngs: nnx.Rngs) -> None:
        self.blocks = nnx.List(blocks)
        self.head = nnx.Linear(blocks[-1].linear.out_features, num_classes, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        x = x.reshape((x.shape[0], -1))
        for block in self.blocks:
            x = block(x)
        return self.head(x)


@gl.symbolize
class LinenMLP(nn.Module):
    """A Linen MLP."""

    hidden: int = 32
    num_classes: int = 10

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = x.reshape((x.shape[0], -1))
        x = nn.relu(nn.Dense(self.hidden)(x))
        return nn.Dense(self.num_classes)(x)

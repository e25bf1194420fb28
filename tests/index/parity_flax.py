"""Flax modules made symbolic: NNX modules take ``rngs`` at runtime, Linen modules take
``parent`` and ``name``; both are left out of the schema (and by the index)."""

# ruff: noqa: UP006, UP007, UP037, UP045, RUF013, RUF036, RUF041, RUF100, F821, B006, I001

from __future__ import annotations

from typing import Literal

from flax import linen as nn
from flax import nnx

import graftlab as gl


@gl.symbolize
class MLP(nnx.Module):
    """An NNX module.

    Args:
      features: hidden width.
      depth: how many layers.
    """

    def __init__(self, features: int, depth: int = 2, *, rngs: nnx.Rngs) -> None:
        self.features = features


class DeeperMLP(MLP):
    def __init__(self, features: int, act: Literal["relu", "gelu"] = "relu", *, rngs: nnx.Rngs):
        super().__init__(features, rngs=rngs)


@gl.symbolize
class LinenDense(nn.Module):
    """A Linen module: its fields are dataclass fields.

    Attributes:
      features: output width.
      use_bias: add a bias.
    """

    features: int
    use_bias: bool = True
    dtype: Literal["float32", "bfloat16"] | None = None

    @nn.compact
    def __call__(self, x):  # noqa: ANN001, ANN204
        return x

"""Composite components: sequences, conv/dense blocks and residual connections.

Every sub-layer is an argument, so a rule reaches all of them (``swap_conv`` replaces the
``conv`` of a ``ConvBlock``; ``add_skip_connections`` wraps a block in a ``Residual``).
"""

from __future__ import annotations

from typing import Any

from graftlab.ml.base import Abstract, Builder, Component
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.symbolize import symbolize

Module = Any  # a graftlab.ml component, a symbolized nnx.Module spec or a Linen module


@symbolize
class Sequential(Component):
    """Layers applied in order.

    Args:
      layers: the components, first applied first.
    """

    def __init__(self, layers: list[Module]) -> None:
        self.layers = layers

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Sequential as S

        mods, y = b.build_list(list(self.layers), x, path.child("layers"))
        return S(mods), y


class _Block(Component):
    _main = ""

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Sequential as S

        mods = []
        for name in (self._main, "norm", "activation", "dropout"):
            spec = getattr(self, name)
            if spec is not None:
                m, x = b.build(spec, x, path.child(name))
                mods.append(m)
        return S(mods), x


@symbolize
class ConvBlock(_Block):
    """``conv -> norm -> activation -> dropout`` (all but the conv optional).

    Args:
      conv: the convolution (``Conv``, ``SeparableConv``...).
      norm: normalization after the convolution.
      activation: the nonlinearity.
      dropout: dropout after the activation.
    """

    _main = "conv"

    def __init__(
        self,
        conv: Module,
        norm: Module | None = None,
        activation: Module | None = None,
        dropout: Module | None = None,
    ) -> None:
        self.conv = conv
        self.norm = norm
        self.activation = activation
        self.dropout = dropout


@symbolize
class DenseBlock(_Block):
    """``dense -> norm -> activation -> dropout`` (all but the dense layer optional)."""

    _main = "dense"

    def __init__(
        self,
        dense: Module,
        norm: Module | None = None,
        activation: Module | None = None,
        dropout: Module | None = None,
    ) -> None:
        self.dense = dense
        self.norm = norm
        self.activation = activation
        self.dropout = dropout


@symbolize
class Residual(Component):
    """``activation(body(x) + projection(x))``; without a projection the shortcut is ``x``.

    Args:
      body: the residual branch.
      projection: maps ``x`` to the body's output shape (a 1x1 ``Conv`` or a ``Dense``)
        when they differ.
      activation: applied after the sum.
    """

    def __init__(
        self,
        body: Module,
        projection: Module | None = None,
        activation: Module | None = None,
    ) -> None:
        self.body = body
        self.projection = projection
        self.activation = activation

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Residual as R

        body, y = b.build(self.body, x, path.child("body"))
        proj, s = (
            b.build(self.projection, x, path.child("projection"))
            if self.projection is not None
            else (None, x)
        )
        if tuple(s.shape) != tuple(y.shape):
            raise ValueError(
                f"the residual branch maps {tuple(x.shape)} to {tuple(y.shape)} but the "
                f"shortcut gives {tuple(s.shape)}: add a projection"
            )
        act = None
        if self.activation is not None:
            act, y = b.build(self.activation, y, path.child("activation"))
        return R(body, proj, act), y

"""Small symbolic classes for ``graft demo`` (stand-ins for the real ML components)."""

from __future__ import annotations

from typing import Annotated, Literal

from graftlab.symbolic.constraints import Range
from graftlab.symbolic.symbolize import symbolize


@symbolize
class Conv:
    """A convolution.

    Args:
      features: output channels.
      kernel_size: square kernel size.
      activation: the nonlinearity after the convolution.
    """

    def __init__(
        self,
        features: Annotated[int, Range(1, 4096)],
        kernel_size: int = 3,
        activation: Literal["relu", "gelu", "tanh"] = "relu",
    ) -> None:
        self.features = features


@symbolize
class Model:
    """A stack of layers followed by a classifier with ``num_classes`` outputs."""

    def __init__(self, layers: list[Conv], num_classes: int = 10, dropout: float = 0.0) -> None:
        self.depth = len(layers)


@symbolize
class Adam:
    def __init__(
        self, learning_rate: Annotated[float, Range(0.0, 1.0)] = 1e-3, b1: float = 0.9
    ) -> None:
        pass


@symbolize
class Experiment:
    def __init__(
        self, model: Model, optimizer: Adam, batch_size: int = 128, steps: int = 1000
    ) -> None:
        pass


def make_experiment(layers: int) -> Experiment:
    return Experiment(
        model=Model([Conv(32 * (i + 1)) for i in range(layers)], num_classes=10),
        optimizer=Adam(1e-3),
    )

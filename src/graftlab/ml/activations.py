"""Activation components: symbolic, so that a rule can swap one for another.

``activation("gelu")`` returns the component for a name; ``ACTIVATIONS`` maps names to
classes (used by the ``change_activation`` rule).
"""

from __future__ import annotations

from typing import Any

from graftlab.ml.base import Abstract, Builder, Component
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.symbolize import symbolize


class _Activation(Component):
    """Base of parameter-free activations; ``kind`` names the function."""

    kind = ""

    def _options(self) -> dict[str, Any]:
        return {}

    def make(self, b: Builder, x: Abstract, path: KeyPath) -> tuple[Any, Abstract]:
        from graftlab.ml._nnx import Activation

        return Activation(self.kind, **self._options()), x


@symbolize
class ReLU(_Activation):
    """``max(x, 0)``."""

    kind = "relu"

    def __init__(self) -> None:
        pass


@symbolize
class GELU(_Activation):
    """The Gaussian error linear unit (``approximate`` uses the tanh formula)."""

    kind = "gelu"

    def __init__(self, approximate: bool = False) -> None:
        self.approximate = approximate

    def _options(self) -> dict[str, Any]:
        return {"approximate": self.approximate}


@symbolize
class LeakyReLU(_Activation):
    """``x`` if positive, else ``slope * x``."""

    kind = "leaky_relu"

    def __init__(self, slope: float = 0.01) -> None:
        self.slope = slope

    def _options(self) -> dict[str, Any]:
        return {"slope": self.slope}


@symbolize
class Tanh(_Activation):
    """The hyperbolic tangent."""

    kind = "tanh"

    def __init__(self) -> None:
        pass


@symbolize
class SiLU(_Activation):
    """``x * sigmoid(x)`` (swish)."""

    kind = "silu"

    def __init__(self) -> None:
        pass


@symbolize
class Sigmoid(_Activation):
    """The logistic function."""

    kind = "sigmoid"

    def __init__(self) -> None:
        pass


@symbolize
class ELU(_Activation):
    """The exponential linear unit."""

    kind = "elu"

    def __init__(self) -> None:
        pass


@symbolize
class Identity(_Activation):
    """No nonlinearity."""

    kind = "identity"

    def __init__(self) -> None:
        pass


ACTIVATIONS: dict[str, type[_Activation]] = {
    c.kind: c for c in (ReLU, GELU, LeakyReLU, Tanh, SiLU, Sigmoid, ELU, Identity)
}


def is_activation(value: Any) -> bool:
    """Whether ``value`` is one of the activation components."""
    return isinstance(value, _Activation)


def activation(name: str, **options: Any) -> _Activation:
    """The activation component called ``name`` (``relu``, ``gelu``, ``leaky_relu``...)."""
    try:
        cls = ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; known: {', '.join(sorted(ACTIVATIONS))}"
        ) from None
    return cls(**options)

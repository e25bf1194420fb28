"""Symbolic classes, functions and enums that the text-format tests load by name.

Experiment texts in the tests say ``from format_classes import Conv, ...`` and load with
``allowed_modules=["format_classes"]`` (the tests directory is on ``sys.path``).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Literal

import graftlab as gl

ALLOWED = ["format_classes"]
HEADER = "from format_classes import Act, Conv, KwOnly, Model, Node, PosOnly, Stack, make_opt\n"


class Act(enum.Enum):
    RELU = "relu"
    GELU = "gelu"
    TANH = "tanh"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@gl.symbolize
class Conv:
    """A convolution.

    Args:
      features: output channels.
      kernel_size: square kernel size.
      activation: the nonlinearity.
      padding: how borders are handled.
    """

    def __init__(
        self,
        features: Annotated[int, gl.Range(1, 4096)],
        kernel_size: int = 3,
        activation: Act = Act.RELU,
        padding: Literal["same", "valid"] = "same",
    ) -> None:
        self.features = features


@gl.symbolize
class Model:
    def __init__(self, layers: list[Any], num_classes: int = 10, dropout: float = 0.0) -> None:
        self.layers = layers


@gl.symbolize
class Node:
    """A generic node for generated trees: any value, children and a table."""

    def __init__(
        self,
        value: Any = None,
        children: list[Any] = (),
        table: dict[str, Any] | None = None,
        level: Level = Level.LOW,
    ) -> None:
        self.value = value


@gl.symbolize
class Pair:
    def __init__(self, left: Any = None, right: Any = None) -> None:
        self.left = left


@gl.symbolize
class PosOnly:
    def __init__(self, a: int, /, b: int = 1) -> None:
        self.a = a


@gl.symbolize
class Stack:
    def __init__(self, *items: Any, scale: float = 1.0) -> None:
        self.items = items


@gl.symbolize
class KwOnly:
    def __init__(self, *, x: int, y: int = 2) -> None:
        self.x = x


@gl.symbolize
class Wide:
    """Many arguments: its calls never fit on one line."""

    def __init__(
        self,
        alpha_parameter: float = 0.0,
        beta_parameter: float = 0.0,
        gamma_parameter: float = 0.0,
        delta_parameter: float = 0.0,
        name: str = "",
    ) -> None:
        self.name = name


@gl.symbolize
class Picky:
    """Its own ``__init__`` rejects odd values."""

    def __init__(self, x: int = 0) -> None:
        if x % 2:
            raise ValueError("x must be even")


@gl.symbolize
def make_opt(lr: Annotated[float, gl.Range(0.0, 1.0)], momentum: float = 0.9) -> dict[str, float]:
    return {"lr": lr, "momentum": momentum}


CALLS: list[str] = []
"""Every call of the non-symbolic callables below (a file must never cause one)."""


class Plain:
    """Not symbolic: files may not call it."""

    def __init__(self, x: int = 0) -> None:
        CALLS.append("Plain")
        self.x = x


def helper() -> int:
    """Not symbolic."""
    CALLS.append("helper")
    return 1


CONSTANT = 3


def errors_of(text: str, **kwargs: Any) -> list[gl.FormatError]:
    """The errors loading ``text`` reports, in order (the test fails if it loads)."""
    kwargs.setdefault("allowed_modules", ALLOWED)
    try:
        gl.loads_file(text, **kwargs)
    except gl.FormatErrors as e:
        assert all(type(x) is not gl.FormatErrors for x in e.errors)
        return list(e.errors)
    except gl.FormatError as e:
        return [e]
    raise AssertionError(f"expected a FormatError for:\n{text}")


def load_all(text: str, **kwargs: Any) -> gl.LoadedFile:
    kwargs.setdefault("allowed_modules", ALLOWED)
    return gl.loads_file(text, **kwargs)

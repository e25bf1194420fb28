"""Canonical text: signature order, wrapping at the width, hide_defaults, literals."""

from __future__ import annotations

import ast
import enum
from typing import Any

import graftlab as gl


class Act(enum.Enum):
    RELU = "relu"
    GELU = "gelu"


@gl.symbolize
class Conv:
    def __init__(
        self, features: int, kernel: tuple[int, int] = (3, 3), act: Act = Act.RELU
    ) -> None:
        self.features = features


@gl.symbolize
class Net:
    def __init__(
        self, layers: list[Any], opts: dict[str, Any] | None = None, rate: float = 0.1
    ) -> None:
        self.layers = layers


def test_canonical_text_uses_signature_order() -> None:
    assert (
        gl.format(Conv(act=Act.GELU, features=8)) == "Conv(features=8, kernel=(3, 3), act=Act.GELU)"
    )
    assert gl.format_value(Net([Conv(1)], opts={"b": 1, "a": "x"}), width=200) == (
        "Net(layers=[Conv(features=1, kernel=(3, 3), act=Act.RELU)], opts={'b': 1, 'a': 'x'}, rate=0.1)"
    )


def test_scalars_and_containers() -> None:
    assert gl.format(1.0) == "1.0"
    assert gl.format(float("nan")) == "nan"
    assert gl.format(float("inf")) == "inf" and gl.format(float("-inf")) == "-inf"
    assert gl.format(0.1 + 0.2) == "0.30000000000000004"
    assert gl.format((1,)) == "(1,)"
    assert gl.format(()) == "()"
    assert gl.format([]) == "[]" and gl.format({}) == "{}"
    assert gl.format("it's") == '"it\'s"'
    assert gl.format(None) == "None" and gl.format(True) == "True"
    assert gl.format(Act.RELU) == "Act.RELU"
    assert gl.format(Conv) == "Conv"


def test_wrapping_at_width() -> None:
    n = Net([Conv(i) for i in range(3)], opts={"lr": 0.1})
    text = gl.format(n, width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text == (
        "Net(\n"
        "    layers=[\n"
        "        Conv(features=0, kernel=(3, 3), act=Act.RELU),\n"
        "        Conv(features=1, kernel=(3, 3), act=Act.RELU),\n"
        "        Conv(features=2, kernel=(3, 3), act=Act.RELU),\n"
        "    ],\n"
        "    opts={'lr': 0.1},\n"
        "    rate=0.1,\n"
        ")"
    )
    flat = gl.format(n, width=1000)
    assert "\n" not in flat
    assert gl.format(n, width=10, compact=True) == flat
    assert gl.format(n, width=20).splitlines()[2] == "        Conv("


def test_wrapped_text_is_python_that_rebuilds_the_value() -> None:
    n = Net([Conv(i, kernel=(i, i)) for i in range(4)], opts={"a": [1, 2], "b": {"c": (1,)}})
    for width in (20, 40, 88, 1000):
        text = gl.format(n, width=width)
        rebuilt = eval(
            compile(ast.parse(text, mode="eval"), "<fmt>", "eval"),
            {"Net": Net, "Conv": Conv, "Act": Act},
        )
        assert gl.eq(rebuilt, n)


def test_hide_defaults() -> None:
    assert gl.format(Conv(8), hide_defaults=True) == "Conv(features=8)"
    assert gl.format(Conv(8, kernel=[3, 3]), hide_defaults=True) == "Conv(features=8)"
    assert (
        gl.format(Conv(8, kernel=(1, 1)), hide_defaults=True) == "Conv(features=8, kernel=(1, 1))"
    )
    assert gl.format(Net([], rate=0.1), hide_defaults=True) == "Net(layers=[])"
    assert gl.format(Net([], rate=1), hide_defaults=True) == "Net(layers=[], rate=1.0)"


def test_custom_names_and_indent() -> None:
    text = gl.format(Conv(1), name_of=lambda t: f"nn.{t.__qualname__}")
    assert text == "nn.Conv(features=1, kernel=(3, 3), act=nn.Act.RELU)"
    indented = gl.format(Net([Conv(1), Conv(2)]), width=40, indent=4)
    lines = indented.splitlines()
    assert lines[1].startswith("        layers=[") and lines[-1] == "    )"


def test_repr_is_compact_format() -> None:
    n = Net([Conv(i) for i in range(20)])
    assert repr(n) == gl.format(n, compact=True)
    assert "\n" not in repr(n)


@gl.symbolize
def adam(lr: float, b1: float = 0.9) -> None:
    pass


def test_call_formatting() -> None:
    assert gl.format(adam(0.1)) == "adam(lr=0.1, b1=0.9)"
    assert gl.format(adam(b1=0.5)) == "adam(b1=0.5)"
    assert gl.format(adam(0.1), hide_defaults=True) == "adam(lr=0.1)"

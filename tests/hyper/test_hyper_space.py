"""Hyper values in trees: validation, names, conditional decisions, sizes, materializing."""

from __future__ import annotations

import math
from typing import Annotated

import pytest

import graftlab as gl
from graftlab.hyper import (
    DecisionError,
    HyperError,
    Space,
    floatv,
    intv,
    is_template,
    manyof,
    materialize,
    oneof,
)


@gl.symbolize
class HConv:
    def __init__(self, features: int, kernel_size: int = 3) -> None:
        self.features = features
        self.doubled = features * 2  # real code that a placeholder would break


@gl.symbolize
class HNet:
    def __init__(
        self,
        layers: list[HConv],
        lr: Annotated[float, gl.Range(0.0, 1.0)] = 0.1,
        act: str = "relu",
        tags: list[str] = [],  # noqa: B006
    ) -> None:
        self.layers = layers
        self.total = sum(layer.features for layer in layers)


def space_net() -> HNet:
    return HNet(
        layers=[
            HConv(oneof([16, 32])),
            oneof([HConv(intv(1, 4)), HConv(8, kernel_size=oneof([3, 5]))]),
        ],
        lr=floatv(1e-4, 0.5, scale="log"),
    )


def test_template_records_choices_and_runs_no_init() -> None:
    net = space_net()
    assert is_template(net)
    assert "total" not in net.__dict__  # __init__ was not run with placeholders
    plain = HNet(layers=[HConv(4)])
    assert not is_template(plain) and plain.total == 4


def test_names_conditions_and_size() -> None:
    space = Space(space_net())
    assert [d.name for d in space] == [
        "layers[0].features",
        "layers[1]",
        "layers[1][0].features",
        "layers[1][1].kernel_size",
        "lr",
    ]
    assert space["layers[1][0].features"].condition == ("layers[1]", 0)
    assert space["lr"].scale == "log"
    assert math.isinf(space.size)
    discrete = Space(HNet(layers=[HConv(oneof([1, 2, 3])), oneof([HConv(intv(1, 4)), HConv(2)])]))
    assert discrete.size == 3 * (4 + 1)


def test_materialize_builds_plain_objects() -> None:
    net = space_net()
    m = materialize(
        net,
        {"layers[0].features": 1, "layers[1]": 1, "layers[1][1].kernel_size": 1, "lr": 0.01},
    )
    assert not is_template(m)
    assert m == HNet(layers=[HConv(32), HConv(8, kernel_size=5)], lr=0.01)
    assert m.total == 40 and m.layers[0].doubled == 64
    assert is_template(net)  # the template is untouched


def test_decision_errors_name_the_decision() -> None:
    net = space_net()
    with pytest.raises(DecisionError, match=r"no value for decision 'layers\[1\]\[0\].features'"):
        materialize(net, {"layers[0].features": 0, "layers[1]": 0, "lr": 0.1})
    with pytest.raises(DecisionError, match="not active"):
        materialize(
            net,
            {
                "layers[0].features": 0,
                "layers[1]": 0,
                "layers[1][0].features": 2,
                "layers[1][1].kernel_size": 0,
                "lr": 0.1,
            },
        )
    with pytest.raises(DecisionError, match=r"expected a float in \[0.0001, 0.5\]"):
        materialize(
            net, {"layers[0].features": 0, "layers[1]": 0, "layers[1][0].features": 2, "lr": 0.9}
        )
    with pytest.raises(DecisionError, match="unknown decision 'lrr'; did you mean 'lr'"):
        materialize(
            net,
            {"layers[0].features": 0, "layers[1]": 0, "layers[1][0].features": 2, "lrr": 0.1},
        )


def test_validation_of_choices_against_the_field() -> None:
    with pytest.raises(gl.ValidationError, match=r"features.candidates\[1\].*expected int"):
        HConv(oneof([1, "two"]))
    with pytest.raises(gl.RangeError, match=r"lr\.hi"):
        HNet(layers=[], lr=floatv(0.0, 2.0))
    with pytest.raises(HyperError, match="log scale needs lo > 0"):
        floatv(0.0, 1.0, scale="log")


def test_explicit_names_share_one_decision() -> None:
    net = HNet(layers=[HConv(oneof([4, 8], name="width")), HConv(oneof([4, 8], name="width"))])
    space = Space(net)
    assert [d.name for d in space] == ["width"]
    m = materialize(net, {"width": 1})
    assert [c.features for c in m.layers] == [8, 8]
    with pytest.raises(HyperError, match="two decisions are named 'width'"):
        Space(HNet(layers=[HConv(oneof([4, 8], name="width")), HConv(intv(1, 2, name="width"))]))


def test_manyof_distinct_sorted() -> None:
    net = HNet(layers=[], tags=manyof(2, ["a", "b", "c"], sorted=True))
    d = Space(net)["tags"]
    assert d.size == 3
    assert list(materialize(net, {"tags": [0, 2]}).sym_init_args["tags"]) == ["a", "c"]
    with pytest.raises(DecisionError, match="increasing order"):
        materialize(net, {"tags": [2, 0]})
    with pytest.raises(DecisionError, match="distinct"):
        materialize(net, {"tags": [1, 1]})
    assert Space(HNet(layers=[], tags=manyof(2, ["a", "b", "c"]))).size == 6
    assert Space(HNet(layers=[], tags=manyof(2, ["a", "b"], distinct=False))).size == 4


def test_canonical_text_round_trip_and_diff() -> None:
    net = space_net()
    text = gl.dumps(net)
    assert "oneof([16, 32])" in text and 'floatv(0.0001, 0.5, scale="log")' in text
    again = gl.loads(text, allowed_modules=[__name__])
    assert gl.eq(again, net)
    assert gl.dumps(again) == text
    other = gl.loads(text.replace("oneof([16, 32])", "oneof([16, 64])"), allowed_modules=[__name__])
    entries = gl.diff(net, other).entries
    assert [str(e.path) for e in entries] == ["layers[0].features.candidates[1]"]

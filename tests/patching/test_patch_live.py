"""Patching a tree that holds live objects (torch modules with weights): in-place edits are
refused by the symbolic core, so the chain rebuilds the tree from its edited arguments and
keeps the provenance."""

from __future__ import annotations

import torch

import graftlab as gl

Linear = gl.symbolize(torch.nn.Linear)
Sequential = gl.symbolize(torch.nn.Sequential)


@gl.patcher("t/live_wider")
def live_wider(target):
    """Double the first layer's width and fix the next layer's input."""
    return {"args[0].out_features": 8, "args[1].in_features": 8}


def test_patch_rebuilds_live_objects_with_provenance() -> None:
    net = Sequential(Linear(3, 4), Linear(4, 2))
    with_weights = net[0].weight
    out = gl.patch(net, ["t/live_wider"])
    assert out[0].weight.shape == (8, 3) and out[1].weight.shape == (2, 8)
    assert out(torch.randn(5, 3)).shape == (5, 2)
    assert net[0].weight is with_weights and net[0].out_features == 4  # the original is kept
    assert gl.provenance(out, "args[0].out_features").rule == "t/live_wider"


@gl.patcher("t/live_bias_off")
def live_bias_off(target):
    """Every Linear without a bias (a rule function over the tree)."""

    def fn(path, value):
        if isinstance(value, torch.nn.Linear) and value.bias is not None:
            return Linear(value.in_features, value.out_features, bias=False)
        return value

    return fn


def test_patch_rebuilds_for_a_rule_function() -> None:
    out = gl.patch(Sequential(Linear(3, 4), Linear(4, 2)), ["t/live_bias_off"])
    assert out[0].bias is None and out[1].bias is None
    assert out(torch.randn(1, 3)).shape == (1, 2)

"""The standard rules written against roles reach classes that are not graftlab's: a team's
conv, optimizer and trainer with their own argument names."""

from __future__ import annotations

import graftlab as gl
import graftlab.ml.rules  # registers the standard rules


@gl.symbolize(roles={"conv": {"features": "out_channels", "kernel_size": "kernel"}})
class StdConv:
    def __init__(self, out_channels: int, kernel: int = 3) -> None:
        self.out_channels = out_channels


@gl.symbolize(roles={"classifier_head": {"num_classes": "n_classes"}})
class TeamNet:
    def __init__(self, blocks: list, n_classes: int = 10) -> None:
        self.blocks = blocks


@gl.symbolize(roles={"optimizer": {"learning_rate": "peak"}})
class TeamOpt:
    def __init__(self, peak: float = 0.1) -> None:
        self.peak = peak


@gl.symbolize(roles={"trainer": {"batch_size": "global_batch", "steps": "iterations"}})
class TeamLoop:
    def __init__(self, global_batch: int = 32, iterations: int = 100) -> None:
        self.global_batch = global_batch


@gl.symbolize
class TeamExperiment:
    def __init__(self, model: TeamNet, opt: TeamOpt, loop: TeamLoop) -> None:
        self.model = model
        self.opt = opt
        self.loop = loop


def experiment() -> TeamExperiment:
    return TeamExperiment(TeamNet([StdConv(8), StdConv(16)]), TeamOpt(0.1), TeamLoop(32))


def test_scale_width_reaches_a_team_conv_and_leaves_its_head() -> None:
    out = gl.patch(experiment(), ["scale_width?factor=2"])
    assert [b.out_channels for b in out.model.blocks] == [16, 32]
    assert out.model.sym_init_args.n_classes == 10
    assert gl.provenance(out, "model.blocks[1].out_channels").rule == "scale_width"


def test_change_lr_writes_the_team_optimizer_argument() -> None:
    out = gl.patch(experiment(), ["change_lr?0.003"])
    assert out.opt.peak == 0.003


def test_scale_lr_with_batch_size_through_roles() -> None:
    out = gl.patch(experiment(), ["scale_lr_with_batch_size?batch_size=128"])
    assert out.loop.global_batch == 128
    assert abs(out.opt.peak - 0.4) < 1e-12

"""The done-check of roles: one role-based rule (``widen``) changes convolutions of four
classes from four sources -- graftlab's ``Conv``, Flax Linen's ``nn.Conv``, Team A's annotated
``StdConv`` and torch's ``Conv2d`` -- each written through its own argument name, and every
result builds and runs forward. Linen and torch classes are symbolized without editing their
source and get their roles from graft.toml; experiments are real files in a repository,
derived with a patch chain and loaded by the real loader."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import graftlab as gl
from graftlab.symbolic import roles as R

FIXTURES = Path(__file__).parent / "fixtures" / "four_sources"

GRAFT_TOML = """\
[graft]
allowed_modules = ["roles_team_a", "flax.linen", "torch.nn"]
patch_modules = ["roles_linen_shim", "roles_torch_shim"]

[roles.classes."flax.linen.linear.Conv"]
conv = {}

[roles.classes."torch.nn.modules.conv.Conv2d"]
conv = { features = "out_channels", strides = "stride" }
"""

BASES = {
    "graftlab": """\
        from graftlab.ml import CNN, Conv, ConvBlock, Dense, ReLU

        experiment = CNN(
            layers=[
                ConvBlock(conv=Conv(features=8), activation=ReLU()),
                ConvBlock(conv=Conv(features=16, strides=2), activation=ReLU()),
            ],
            head=Dense(features=10),
        )
        """,
    "linen": """\
        from flax.linen import Conv, Sequential

        experiment = Sequential(layers=[Conv(features=8, kernel_size=(3, 3)), Conv(features=4, kernel_size=(3, 3))])
        """,
    "team_a": """\
        from roles_team_a import Classifier, StdConv

        experiment = Classifier(blocks=[StdConv(out_channels=8), StdConv(out_channels=16, kernel=(5, 5))], num_classes=10)
        """,
    "torch": """\
        from torch.nn import AdaptiveAvgPool2d, Conv2d, Flatten, LazyConv2d, LazyLinear, ReLU, Sequential

        experiment = Sequential(
            Conv2d(in_channels=3, out_channels=8, kernel_size=3),
            ReLU(),
            LazyConv2d(out_channels=16, kernel_size=3),
            AdaptiveAvgPool2d(output_size=1),
            Flatten(),
            LazyLinear(out_features=10),
        )
        """,
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("four_sources")
    for f in FIXTURES.glob("*.py"):
        shutil.copy(f, root / f.name)
    (root / "graft.toml").write_text(GRAFT_TOML)
    exp = root / "experiments"
    exp.mkdir()
    for name, text in BASES.items():
        (exp / f"{name}.py").write_text(textwrap.dedent(text))
        (exp / f"{name}_wide.py").write_text(
            "from graftlab import Derived\n\n"
            f'experiment = Derived(base="{name}", patches=["widen?factor=2"])\n'
        )
        (exp / f"{name}_scaled.py").write_text(
            "from graftlab import Derived\n\n"
            f'experiment = Derived(base="{name}", patches=["scale_width?factor=2"])\n'
        )
    saved = list(sys.path)
    yield exp
    sys.path[:] = saved
    for name in ("flax.linen.linear.Conv", "torch.nn.modules.conv.Conv2d"):
        R.forget_roles(name)


def convs(tree) -> list[tuple[str, str, int]]:
    """(class, the class's own name of features, value) of every conv, by role."""
    return [
        (type(v.obj).__name__, v.arg_name("features"), v["features"])
        for v in gl.query(tree, role="conv").values()
    ]


def test_graftlab_conv(repo: Path) -> None:
    from flax import nnx

    from graftlab.ml.base import struct

    wide = gl.load(repo / "graftlab_wide.py")
    assert convs(wide) == [("Conv", "features", 16), ("Conv", "features", 32)]
    assert wide.head.features == 10  # the classifier head is left alone
    module = wide.build(nnx.Rngs(0), struct((2, 8, 8, 1)))
    assert module(jnp.ones((2, 8, 8, 1))).shape == (2, 10)


def test_linen_conv(repo: Path) -> None:
    wide = gl.load(repo / "linen_wide.py")
    assert convs(wide) == [("Conv", "features", 16), ("Conv", "features", 8)]
    assert type(wide.layers[0]).__module__ == "flax.linen.linear"
    params = wide.init(jax.random.PRNGKey(0), jnp.ones((1, 8, 8, 3)))
    assert params["params"]["layers_0"]["kernel"].shape == (3, 3, 3, 16)
    assert wide.apply(params, jnp.ones((2, 8, 8, 3))).shape == (2, 8, 8, 8)


def test_team_a_annotated_conv(repo: Path) -> None:
    wide = gl.load(repo / "team_a_wide.py")
    assert convs(wide) == [("StdConv", "out_channels", 16), ("StdConv", "out_channels", 32)]
    assert wide.num_classes == 10
    params = wide.init(jax.random.PRNGKey(0), jnp.ones((1, 8, 8, 3)))
    kernel = params["params"]["blocks_1"]["Conv_0"]["kernel"]
    assert kernel.shape == (5, 5, 16, 32)
    assert wide.apply(params, jnp.ones((2, 8, 8, 3))).shape == (2, 10)


def test_torch_conv2d(repo: Path) -> None:
    wide = gl.load(repo / "torch_wide.py")
    assert convs(wide) == [("Conv2d", "out_channels", 16), ("LazyConv2d", "out_channels", 32)]
    assert isinstance(wide, torch.nn.Sequential)
    out = wide(torch.randn(2, 3, 8, 8))
    assert out.shape == (2, 10)
    assert wide[0].weight.shape == (16, 3, 3, 3) and wide[2].weight.shape == (32, 16, 3, 3)
    assert np.isfinite(out.detach().numpy()).all()


def test_provenance_names_the_rule_in_every_codebase(repo: Path) -> None:
    for name, path in (
        ("graftlab", "layers[0].conv.features"),
        ("linen", "layers[0].features"),
        ("team_a", "blocks[0].out_channels"),
        ("torch", "args[0].out_channels"),
    ):
        wide = gl.load(repo / f"{name}_wide.py")
        assert gl.provenance(wide, path).rule == "widen", name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("graftlab", [("Conv", "features", 16), ("Conv", "features", 32)]),
        ("linen", [("Conv", "features", 16), ("Conv", "features", 8)]),
        ("team_a", [("StdConv", "out_channels", 16), ("StdConv", "out_channels", 32)]),
        ("torch", [("Conv2d", "out_channels", 16), ("LazyConv2d", "out_channels", 32)]),
    ],
)
def test_the_standard_scale_width_is_the_same_rule_everywhere(repo: Path, name, expected) -> None:
    assert convs(gl.load(repo / f"{name}_scaled.py")) == expected

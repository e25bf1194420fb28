"""A small graftlab workspace for the language-server tests, written as files.

``team.py`` holds symbolic classes (with an enum, ``Literal`` and ``bool`` arguments, a class
hierarchy and a component that fails at run time), ``patches.py`` the patch rules, and
``experiments/`` a baseline, a derived experiment and one that fails when run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

IDENTITY = {
    "GIT_AUTHOR_NAME": "Graft Tester",
    "GIT_AUTHOR_EMAIL": "tester@example.com",
    "GIT_COMMITTER_NAME": "Graft Tester",
    "GIT_COMMITTER_EMAIL": "tester@example.com",
}

GRAFT_TOML = """\
[graft]
name = "lsptest"
allowed_modules = ["team", "patches"]
patch_modules = ["patches"]
"""

TEAM = '''\
"""The team's symbolic components."""

import enum
from typing import Annotated, Literal

import graftlab as gl


class Act(enum.Enum):
    """Nonlinearities."""

    RELU = "relu"
    GELU = "gelu"
    TANH = "tanh"


@gl.symbolize
class Layer:
    """A layer of the model.

    Args:
      width: the layer's width.
      explode: fail when the experiment runs.
    """

    def __init__(self, width: int = 4, explode: bool = False) -> None:
        self.width = width
        self.explode = explode


@gl.symbolize
class Conv(Layer):
    """A convolution.

    Args:
      features: output channels.
      kernel_size: square kernel size.
      activation: the nonlinearity.
      padding: how borders are handled.
      use_bias: add a bias.
    """

    def __init__(
        self,
        features: Annotated[int, gl.Range(1, 4096)],
        kernel_size: int = 3,
        activation: Act = Act.RELU,
        padding: Literal["same", "valid"] = "same",
        use_bias: bool = True,
    ) -> None:
        super().__init__(width=features)
        self.features = features


@gl.symbolize
class Dense(Layer):
    """A dense layer.

    Args:
      units: output units.
    """

    def __init__(self, units: int = 8) -> None:
        super().__init__(width=units)
        self.units = units


@gl.symbolize
class Optimizer:
    """An optimizer.

    Args:
      learning_rate: the step size.
    """

    def __init__(self, learning_rate: float = 0.1) -> None:
        self.learning_rate = learning_rate


@gl.symbolize
class Adam(Optimizer):
    """Adam.

    Args:
      beta: the first moment's decay.
    """

    def __init__(self, learning_rate: float = 0.001, beta: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.beta = beta


@gl.symbolize
class Trainer:
    """Trains a model.

    Args:
      layers: the model's layers.
      optimizer: how to step.
      steps: how many steps.
    """

    def __init__(self, layers: list[Layer], optimizer: Optimizer, steps: int = 3) -> None:
        self.layers = layers
        self.optimizer = optimizer
        self.steps = steps

    def run(self, context):
        for i, layer in enumerate(self.layers):
            if layer.explode:
                raise gl.ComponentError("layer exploded", f"layers[{i}]")
        for step in range(self.steps):
            context.metrics(step, loss=1.0 / (step + 1))
        return {"loss": 1.0 / self.steps}
'''

PATCHES = '''\
"""The team's patch rules."""

from typing import Literal

import graftlab as gl
from team import Act, Conv


@gl.patcher("team/widen")
def widen(experiment, factor: int = 2):
    """Multiply every conv's features.

    Args:
      factor: how much wider.
    """
    return {f"{p}.features": c.features * factor for p, c in gl.query(experiment, Conv).items()}


@gl.patcher("team/lr")
def lr(experiment, value: float):
    """Set the learning rate.

    Args:
      value: the new learning rate.
    """
    return {"optimizer.learning_rate": value}


@gl.patcher("team/act")
def act(experiment, activation: Act = Act.GELU):
    """Change every conv's nonlinearity."""
    return {f"{p}.activation": activation for p in gl.query(experiment, Conv)}


@gl.patcher("team/pad")
def pad(experiment, mode: Literal["same", "valid"]):
    """Change every conv's padding."""
    return {f"{p}.padding": mode for p in gl.query(experiment, Conv)}
'''

BASELINE = '''\
"""The baseline."""

from team import Conv, Dense, Optimizer, Trainer

experiment = Trainer(
    layers=[Conv(features=16), Dense(units=8)],
    optimizer=Optimizer(learning_rate=0.1),
    steps=2,
)
'''

WIDE = """\
from graftlab import Derived

experiment = Derived(
    base="baseline",
    patches=[
        "team/widen?factor=3",
        "team/lr?0.5",
    ],
)
"""

BROKEN = """\
from team import Conv, Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Conv(features=4), Layer(width=2, explode=True)],
    optimizer=Optimizer(),
    steps=1,
)
"""

FILES = {
    "graft.toml": GRAFT_TOML,
    "team.py": TEAM,
    "patches.py": PATCHES,
    "experiments/baseline.py": BASELINE,
    "experiments/wide.py": WIDE,
    "experiments/broken.py": BROKEN,
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, **IDENTITY}
    out = subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    return out.stdout


def make_workspace(root: Path, files: dict[str, str] | None = None, *, repo: bool = False) -> Path:
    """Write the workspace under ``root`` (plus ``files``); with ``repo``, a committed git repo."""
    for rel, text in {**FILES, **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if repo:
        git(root, "init", "-q", "-b", "main")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "workspace")
    return root


def record_run(root: Path, name: str) -> dict[str, object]:
    """``gl.Repo(root).run(name)`` in a fresh process (the team's modules stay out of ours)."""
    code = (
        "import json, sys, graftlab as gl\n"
        f"rec = gl.Repo({str(root)!r}).run({name!r}, show_progress=False)\n"
        "print(json.dumps({'id': rec.id, 'status': rec.status, 'error': rec.error}))\n"
    )
    env = {**os.environ, **IDENTITY}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, check=True, capture_output=True, text=True
    )
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def position(text: str, needle: str, offset: int = 0) -> tuple[int, int]:
    """0-based (line, column) of ``needle`` (plus ``offset`` characters) in ``text``."""
    i = text.index(needle) + offset
    line = text.count("\n", 0, i)
    return line, i - (text.rfind("\n", 0, i) + 1)

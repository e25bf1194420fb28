"""A tiny, non-ML experiment repository for the repository and ``graft`` command tests.

``toy.py`` holds symbolic classes whose ``Trainer.run(context)`` reports metrics through the
run context; ``patches`` holds patch rules; ``experiments/`` has a baseline, experiments
derived from it (directly and through a derived base) and one whose component raises.
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
name = "toy"
allowed_modules = ["toy", "patches"]
patch_modules = ["patches"]
"""

TOY = '''\
"""Symbolic components that run without any ML library."""

import time

import graftlab as gl


@gl.symbolize
class Optimizer:
    def __init__(self, learning_rate: float = 0.1) -> None:
        self.learning_rate = learning_rate


@gl.symbolize
class Layer:
    def __init__(self, width: int = 4, explode: bool = False) -> None:
        self.width = width
        self.explode = explode

    def check(self) -> None:
        if self.explode:
            raise ValueError("layer exploded")


@gl.symbolize
class Trainer:
    def __init__(
        self, layers: list[Layer], optimizer: Optimizer, steps: int = 3, sleep: float = 0.0
    ) -> None:
        self.layers = layers
        self.optimizer = optimizer
        self.steps = steps
        self.sleep = sleep

    def run(self, context):
        for i, layer in enumerate(self.layers):
            try:
                layer.check()
            except ValueError as e:
                raise gl.ComponentError(str(e), f"layers[{i}]", e) from e
        loss = 0.0
        for step in range(self.steps):
            loss = self.optimizer.learning_rate / (step + 1)
            context.metrics(step, loss=loss)
            if self.sleep:
                time.sleep(self.sleep)
        return {"loss": loss, "width": sum(layer.width for layer in self.layers)}
'''

PATCHES = '''\
"""The toy repository's patch rules."""

import graftlab as gl
from toy import Layer


@gl.patcher("toy/widen")
def widen(experiment, factor: int = 2):
    """Multiply every layer's width."""
    return {f"{p}.width": layer.width * factor for p, layer in gl.query(experiment, Layer).items()}


@gl.patcher("toy/lr")
def lr(experiment, value: float):
    """Set the learning rate."""
    return {"optimizer.learning_rate": value}


@gl.patcher("toy/explode")
def explode(experiment, index: int = 0):
    """Replace one layer by one that fails at run time."""
    return {f"layers[{index}]": Layer(width=experiment.layers[index].width, explode=True)}
'''

BASELINE = '''\
"""The baseline."""

from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=8)],
    optimizer=Optimizer(learning_rate=0.1),
    steps=3,
)
'''


def derived(base: str, *uris: str) -> str:
    chain = ", ".join(f'"{u}"' for u in uris)
    return (
        f'from graftlab import Derived\n\nexperiment = Derived(base="{base}", patches=[{chain}])\n'
    )


BROKEN = """\
from toy import Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Layer(width=4), Layer(width=2, explode=True)],
    optimizer=Optimizer(),
)
"""

SLOW = """\
from toy import Layer, Optimizer, Trainer

experiment = Trainer(layers=[Layer()], optimizer=Optimizer(), steps=1000, sleep=0.01)
"""

EXPERIMENTS = {
    "baseline": BASELINE,
    "wide": derived("baseline", "toy/widen?factor=2"),  # uses toy/widen directly
    "wide_lr": derived("wide", "toy/lr?0.5"),  # through a derived base
    "fast": derived("baseline", "toy/lr?0.3"),  # does not use toy/widen
    "fast_wide": derived("fast", "toy/widen?factor=3"),  # toy/widen on another base
    "exploding": derived("baseline", "toy/explode?index=1"),  # fails through a patch
    "broken": BROKEN,  # fails at run time in its own file
    "slow": SLOW,  # sleeps in a loop (for kill -9)
}

ROOTS = {"baseline", "broken", "slow"}


def git(cwd: Path, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
    """Run the real git CLI; returns standard output."""
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env if env is not None else {**os.environ, **IDENTITY},
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def write_files(root: Path, experiments: dict[str, str] | None = None) -> None:
    (root / "graft.toml").write_text(GRAFT_TOML)
    (root / "toy.py").write_text(TOY)
    (root / "patches").mkdir(exist_ok=True)
    (root / "patches" / "__init__.py").write_text(PATCHES)
    (root / ".gitignore").write_text("__pycache__/\n")
    exp = root / "experiments"
    exp.mkdir(exist_ok=True)
    for name, text in (EXPERIMENTS if experiments is None else experiments).items():
        path = exp / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_toy_repo(root: Path, experiments: dict[str, str] | None = None) -> Path:
    """A git repository at ``root`` with the toy files, committed on branch ``main``."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, experiments)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "toy repository")
    return root


def graft_env(**extra: str) -> dict[str, str]:
    """The environment of a ``graft`` subprocess: a git identity, no colors, a wide console."""
    env = {**os.environ, **IDENTITY, "NO_COLOR": "1", "COLUMNS": "200"}
    env.update(extra)
    return env


def graft(
    cwd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real ``graft`` command in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=cwd,
        env=env if env is not None else graft_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

"""The source files of the toy repositories, in the parts their variants share.

The repository tests' toy (``toy``, ``patches``) and the tuning tests' toy (``tunetoy``,
``tunepatches``) have the same optimizer, trainer constructor and patch rules; each adds
its own layer, training loop and rules.
"""

from __future__ import annotations

_HEADER = '''\
"""Symbolic components that run without any ML library."""

import time

import graftlab as gl


@gl.symbolize
class Optimizer:
    def __init__(self, learning_rate: float = 0.1) -> None:
        self.learning_rate = learning_rate
'''

_TRAINER = """\
@gl.symbolize
class Trainer:
    def __init__(
        self, layers: list[Layer], optimizer: Optimizer, steps: int = 3, sleep: float = 0.0
    ) -> None:
        self.layers = layers
        self.optimizer = optimizer
        self.steps = steps
        self.sleep = sleep
"""

_PATCHES = '''\
"""The toy repository's patch rules."""

import graftlab as gl
from {module} import Layer


@gl.patcher("{prefix}/widen")
def widen(experiment, factor: int = 2):
    """Multiply every layer's width."""
    return {{f"{{p}}.width": layer.width * factor for p, layer in gl.query(experiment, Layer).items()}}


@gl.patcher("{prefix}/lr")
def lr(experiment, value: float):
    """Set the learning rate."""
    return {{"optimizer.learning_rate": value}}
'''


def components(layer: str, run: str) -> str:
    """The components module: the shared optimizer, ``layer`` (a ``Layer`` class), the
    shared trainer constructor and ``run`` (the trainer's ``run`` method, indented)."""
    return f"{_HEADER}\n\n{layer}\n\n{_TRAINER}\n{run}"


def patches(module: str, prefix: str, more: str) -> str:
    """The patch rules ``PREFIX/widen`` and ``PREFIX/lr`` over ``module``'s layers, then
    ``more``."""
    return _PATCHES.format(module=module, prefix=prefix) + "\n\n" + more

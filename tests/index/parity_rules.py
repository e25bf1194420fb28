"""Patch rules in every decorator spelling, for the rule parity test."""

# ruff: noqa: UP006, UP007, UP037, UP045, RUF013, RUF036, RUF041, RUF100, F821, B006, I001

from __future__ import annotations

from typing import Annotated, Literal, Optional

import graftlab as gl
from graftlab import patcher
from graftlab.patching.rule import patcher as patcher_fn
from parity_corpus import Activation, Conv

RULE_NAME = "index_parity/constant_name"


@patcher
def index_parity_plain(net, factor: float = 2.0, minimum: int = 8):
    """Scale things.

    Args:
      factor: how much.
      minimum: never below this.
    """
    return {}


@gl.patcher("index_parity/named")
def named(net, lr: float, schedule: Literal["cosine", "linear"] = "cosine"):
    return {}


@gl.patcher("index_parity/optional", optional=True)
def optional_rule(target, /, act: Activation = Activation.RELU, *, width: Optional[int] = None):
    return {}


@patcher_fn(optional=True)
def index_parity_kwonly(
    target, *, conv: Conv | None = None, size: Annotated[int, gl.Range(1, 9)] = 3
):
    return {}


@gl.patcher(RULE_NAME)
def constant_name(target, *values: int):
    return {}

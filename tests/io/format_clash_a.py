"""A module whose ``Conv`` clashes by name with format_clash_b's (writer tests)."""

from __future__ import annotations

import enum
from typing import Any

import graftlab as gl


class Mode(enum.Enum):
    FAST = 1
    SLOW = 2


@gl.symbolize
class Conv:
    def __init__(self, features: int = 1, mode: Mode = Mode.FAST, inner: Any = None) -> None:
        self.features = features

"""Objectives: which recorded metrics a tune optimizes, and in which direction.

Written ``NAME:max`` or ``NAME:min`` (``--metric eval_accuracy:max``); without a direction
a metric whose name holds ``loss`` or ``error`` is minimized, any other maximized. Several
objectives make a multi-objective search (the first one orders tables and picks the best).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from graftlab.hyper.errors import HyperError


@dataclass(frozen=True)
class Objective:
    metric: str
    direction: str = "max"  # max | min

    @classmethod
    def parse(cls, text: str) -> Objective:
        name, _, direction = text.partition(":")
        name = name.strip()
        if not name:
            raise HyperError(f"objective {text!r}: expected METRIC[:max|:min]")
        if not direction:
            low = name.lower()
            direction = "min" if ("loss" in low or "error" in low) else "max"
        if direction not in ("max", "min"):
            raise HyperError(f"objective {text!r}: the direction must be max or min")
        return cls(name, direction)

    def __str__(self) -> str:
        return f"{self.metric}:{self.direction}"

    def value(self, metrics: dict[str, Any]) -> float | None:
        """The metric's value in a run's metrics (``None`` if absent or not finite)."""
        v = metrics.get(self.metric)
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            return None
        return float(v)

    def score(self, value: float) -> float:
        """Higher is better, whatever the direction."""
        return value if self.direction == "max" else -value


def values_of(objectives: list[Objective], metrics: dict[str, Any]) -> list[float] | None:
    """The objectives' values from recorded metrics (``None`` when one is missing)."""
    out = []
    for o in objectives:
        v = o.value(metrics)
        if v is None:
            return None
        out.append(v)
    return out

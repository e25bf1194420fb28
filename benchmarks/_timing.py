"""Timing helpers shared by the benchmarks: medians, time budgets and extrapolation."""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Measurement:
    """A median time in seconds; ``note`` says how it was obtained when not directly."""

    seconds: float
    note: str = ""

    def per(self, n: int) -> Measurement:
        return Measurement(self.seconds / n, self.note)


def median_time(fn: Callable[[], Any], *, repeat: int = 5, budget: float = 5.0) -> Measurement:
    """Median wall time of ``fn()`` over up to ``repeat`` runs within ``budget`` seconds.

    GC stays on (as it is in use); it is collected before each sample, outside the timing.
    """
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            break
    return Measurement(statistics.median(times))


def scaled_time(
    make: Callable[[int], Callable[[], Any]],
    full: int,
    *,
    budget: float = 10.0,
    small: tuple[int, int] = (50, 100),
    repeat: int = 3,
) -> Measurement:
    """Time ``make(full)()``, or extrapolate from two small sizes if it would blow the budget.

    Anchors whose cost grows quadratically (Fiddle's diff: minutes at 10k nodes) are timed
    at ``small`` sizes; the growth exponent fitted there predicts the full size, and the
    result says so.
    """
    a, b = small
    ta = median_time(make(a), repeat=repeat, budget=budget / 4).seconds
    tb = median_time(make(b), repeat=repeat, budget=budget / 4).seconds
    exponent = max(1.0, math.log(max(tb, 1e-9) / max(ta, 1e-9)) / math.log(b / a))
    predicted = tb * (full / b) ** exponent
    if predicted <= budget:
        return median_time(make(full), repeat=repeat, budget=budget)
    return Measurement(predicted, f"extrapolated from n={a},{b} (growth n^{exponent:.1f})")


def fmt_seconds(s: float | None) -> str:
    """``1.23 ms`` style."""
    if s is None:
        return "-"
    if s < 1e-6:
        return f"{s * 1e9:.0f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"

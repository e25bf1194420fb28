"""Timing helpers shared by the benchmarks: medians within a time budget (nothing is
extrapolated: a case too slow to run at full size is run at a smaller, labelled size)."""

from __future__ import annotations

import gc
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

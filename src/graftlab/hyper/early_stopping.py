"""Early stopping of bad trials from their intermediate metrics.

A stopper sees every ``(trial, step, value)`` a running trial reports for the first
objective and answers whether to stop it now. ``median``: stop a trial whose best value so
far is worse than the median of the other trials' values at the same step (after
``grace`` steps and once ``min_trials`` trials reported that step). ``asha``: asynchronous
successive halving: at rungs ``min_step * eta**k`` a trial continues only if it is in the
best ``1/eta`` of the trials that reached that rung so far.
"""

from __future__ import annotations

import statistics
from typing import Any

from graftlab.hyper.errors import HyperError
from graftlab.hyper.objectives import Objective


class Stopper:
    name = "none"

    def __init__(self, objective: Objective) -> None:
        self.objective = objective
        self.curves: dict[int, dict[int, float]] = {}

    def report(self, trial: int, step: int, value: float) -> bool:
        """Record a value; ``True`` means: stop this trial now."""
        self.curves.setdefault(trial, {})[step] = self.objective.score(value)
        return self.decide(trial, step)

    def decide(self, trial: int, step: int) -> bool:
        return False


class MedianStopper(Stopper):
    name = "median"

    def __init__(self, objective: Objective, grace: int = 1, min_trials: int = 3) -> None:
        super().__init__(objective)
        self.grace = grace
        self.min_trials = min_trials

    def decide(self, trial: int, step: int) -> bool:
        if step < self.grace:
            return False
        others = [
            max(v for s, v in c.items() if s <= step)
            for t, c in self.curves.items()
            if t != trial and any(s >= step for s in c)
        ]
        if len(others) < self.min_trials:
            return False
        mine = max(v for s, v in self.curves[trial].items() if s <= step)
        return mine < statistics.median(others)


class ASHAStopper(Stopper):
    name = "asha"

    def __init__(self, objective: Objective, min_step: int = 1, eta: int = 3) -> None:
        super().__init__(objective)
        if eta < 2 or min_step < 1:
            raise HyperError("asha needs eta >= 2 and min_step >= 1")
        self.min_step = min_step
        self.eta = eta
        self.rungs: dict[int, dict[int, float]] = {}

    def rung_steps(self, up_to: int) -> list[int]:
        out, r = [], self.min_step
        while r <= up_to:
            out.append(r)
            r *= self.eta
        return out

    def decide(self, trial: int, step: int) -> bool:
        if step not in self.rung_steps(step):
            return False
        value = self.curves[trial][step]
        rung = self.rungs.setdefault(step, {})
        rung[trial] = value
        ranked = sorted(rung.values(), reverse=True)
        keep = max(1, len(ranked) // self.eta)
        return len(ranked) >= self.eta and value < ranked[keep - 1]


def get_stopper(name: str | None, objective: Objective, **options: Any) -> Stopper | None:
    if name in (None, "", "none"):
        return None
    if name == "median":
        return MedianStopper(objective, **options)
    if name == "asha":
        return ASHAStopper(objective, **options)
    raise HyperError(f"unknown early stopping {name!r} (median, asha, none)")

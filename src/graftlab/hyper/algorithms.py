"""Search algorithms: ``random``, ``grid``, ``evolution`` here; Optuna's samplers by name.

An algorithm proposes decisions with ``ask(trial)`` and learns results with
``tell(trial, decisions, values)`` (``values`` is ``None`` for a failed trial). Its state
is whatever the told results imply, so a tune resumed after a crash rebuilds it by telling
every recorded trial again. ``get_algorithm(name, **options)`` finds built-ins, Optuna's
samplers (``tpe``, ``cmaes``, ``qmc``, ``nsga2``, with ``graftlab[tune]``) and plug-ins
published in the ``graftlab.algorithms`` entry-point group (a class or factory taking the
options as keywords).
"""

from __future__ import annotations

import difflib
import random
from collections import deque
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from graftlab.hyper.errors import HyperError
from graftlab.hyper.objectives import Objective
from graftlab.hyper.sampling import grid, grid_size, mutate, sample
from graftlab.hyper.space import Space


class Algorithm:
    """Base class: ``setup`` once, then ``ask``/``tell`` in any interleaving."""

    name = "algorithm"
    multi_objective = False

    def setup(self, space: Space, objectives: list[Objective], seed: int = 0) -> None:
        self.space = space
        self.objectives = objectives
        self.seed = seed

    def ask(self, trial: int) -> dict[str, Any] | None:
        """Decisions for trial number ``trial`` (``None``: the search is exhausted)."""
        raise NotImplementedError

    def tell(self, trial: int, decisions: dict[str, Any], values: list[float] | None) -> None:
        """The result of a trial (objective values in the objectives' order)."""

    def rng(self, trial: int) -> random.Random:
        """A generator that depends only on the seed and the trial number."""
        return random.Random(self.seed * 1_000_003 + trial)

    def score(self, values: list[float]) -> float:
        """One number, higher is better: the first objective."""
        return self.objectives[0].score(values[0]) if self.objectives else 0.0


class RandomSearch(Algorithm):
    """Uniform random points (log-uniform on log scales); trial ``n`` is the same on resume."""

    name = "random"

    def ask(self, trial: int) -> dict[str, Any]:
        return sample(self.space, self.rng(trial))


class GridSearch(Algorithm):
    """Every point of a grid, in order; float ranges get ``size`` points (``sizes`` per name)."""

    name = "grid"

    def __init__(self, size: int = 3, sizes: dict[str, int] | None = None, **_: Any) -> None:
        self.size = int(size)
        self.sizes = dict(sizes or {})

    def setup(self, space: Space, objectives: list[Objective], seed: int = 0) -> None:
        super().setup(space, objectives, seed)
        unknown = [n for n in self.sizes if n not in space.by_name]
        if unknown:
            raise HyperError(f"grid sizes name unknown decisions: {', '.join(unknown)}")
        self.total = grid_size(space, self.sizes, self.size)
        self._points = grid(space, self.sizes, self.size)
        self._seen: list[dict[str, Any]] = []

    def ask(self, trial: int) -> dict[str, Any] | None:
        while len(self._seen) <= trial:
            nxt = next(self._points, None)
            if nxt is None:
                return None
            self._seen.append(nxt)
        return self._seen[trial]


class RegularizedEvolution(Algorithm):
    """Regularized (aging) evolution: tournament selection in the newest ``population``
    results, children by one mutation that understands conditional choices.

    The first ``population`` trials are random.
    """

    name = "evolution"

    def __init__(self, population: int = 20, tournament: int = 5, **_: Any) -> None:
        if population < 2 or tournament < 1:
            raise HyperError("evolution needs population >= 2 and tournament >= 1")
        self.population_size = int(population)
        self.tournament = int(tournament)

    def setup(self, space: Space, objectives: list[Objective], seed: int = 0) -> None:
        super().setup(space, objectives, seed)
        self.population: deque[tuple[float, dict[str, Any]]] = deque(maxlen=self.population_size)

    def ask(self, trial: int) -> dict[str, Any]:
        rng = self.rng(trial)
        if len(self.population) < self.population_size:
            return sample(self.space, rng)
        contenders = rng.sample(list(self.population), min(self.tournament, len(self.population)))
        parent = max(contenders, key=lambda c: c[0])[1]
        return mutate(self.space, parent, rng)

    def tell(self, trial: int, decisions: dict[str, Any], values: list[float] | None) -> None:
        if values is not None:
            self.population.append((self.score(values), decisions))


_BUILTIN: dict[str, Callable[..., Algorithm]] = {
    "random": RandomSearch,
    "grid": GridSearch,
    "evolution": RegularizedEvolution,
}
OPTUNA_SAMPLERS = ("tpe", "cmaes", "qmc", "nsga2", "optuna-random")


def algorithm_names() -> list[str]:
    """Every algorithm name: built-ins, Optuna's samplers, then plug-ins."""
    plugins = [ep.name for ep in entry_points(group="graftlab.algorithms")]
    return [*_BUILTIN, *OPTUNA_SAMPLERS, *sorted(set(plugins) - set(_BUILTIN))]


def get_algorithm(name: str, **options: Any) -> Algorithm:
    """An algorithm by name, configured with ``options``."""
    if name in _BUILTIN:
        return _BUILTIN[name](**options)
    if name in OPTUNA_SAMPLERS:
        from graftlab.hyper.optuna_bridge import OptunaAlgorithm

        return OptunaAlgorithm(name, **options)
    for ep in entry_points(group="graftlab.algorithms"):
        if ep.name == name:
            factory = ep.load()
            algo = factory(**options)
            if not isinstance(algo, Algorithm):
                raise HyperError(
                    f"plug-in algorithm {name!r} ({ep.value}) did not return a "
                    "graftlab.hyper.Algorithm"
                )
            return algo
    close = difflib.get_close_matches(name, algorithm_names(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise HyperError(
        f"unknown algorithm {name!r}{hint} (algorithms: {', '.join(algorithm_names())})"
    )

"""Optuna's samplers (TPE, CMA-ES, QMC, NSGA-II) through its ask/tell interface.

Our spaces map to Optuna's define-by-run suggestions: a ``oneof`` is a categorical over
candidate indices, and only the conditional decisions of the chosen candidate are
suggested (so Optuna sees conditional spaces as they are); ``floatv`` is a float (``log``
on a log scale), ``intv`` an int, and a ``manyof`` a categorical over its valid picks.
Needs ``pip install 'graftlab[tune]'``; importing graftlab never imports Optuna.
"""

from __future__ import annotations

import warnings
from typing import Any

from graftlab.hyper.algorithms import Algorithm
from graftlab.hyper.errors import HyperError
from graftlab.hyper.objectives import Objective
from graftlab.hyper.sampling import grid_values
from graftlab.hyper.space import Decision, Space

_MAX_MANYOF = 5000


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise HyperError("Optuna's samplers need Optuna: pip install 'graftlab[tune]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class OptunaAlgorithm(Algorithm):
    """One of Optuna's samplers behind our ``ask``/``tell``."""

    def __init__(self, sampler: str = "tpe", **options: Any) -> None:
        self.name = sampler
        self.options = options

    def setup(self, space: Space, objectives: list[Objective], seed: int = 0) -> None:
        super().setup(space, objectives, seed)
        optuna = _optuna()
        self.optuna = optuna
        s = self.name
        opts = dict(self.options)
        if s == "tpe":
            sampler = optuna.samplers.TPESampler(seed=seed, **opts)
        elif s == "cmaes":
            sampler = optuna.samplers.CmaEsSampler(
                seed=seed, warn_independent_sampling=False, **opts
            )
        elif s == "qmc":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                sampler = optuna.samplers.QMCSampler(
                    seed=seed, warn_independent_sampling=False, **opts
                )
        elif s == "nsga2":
            sampler = optuna.samplers.NSGAIISampler(seed=seed, **opts)
        else:
            sampler = optuna.samplers.RandomSampler(seed=seed)
        directions = ["maximize" if o.direction == "max" else "minimize" for o in objectives]
        self.study = optuna.create_study(sampler=sampler, directions=directions or ["maximize"])
        self.pending: dict[int, Any] = {}
        self.manyof_values = {
            d.name: grid_values(d, 0) for d in space if d.kind == "manyof" and self._small(d)
        }

    def _small(self, d: Decision) -> bool:
        if d.size > _MAX_MANYOF:
            raise HyperError(
                f"decision {d.name!r}: a manyof with {int(d.size)} possible picks is too large "
                f"for Optuna's samplers (at most {_MAX_MANYOF})"
            )
        return True

    def _suggest(self, trial: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        stack = list(reversed(self.space.roots))
        while stack:
            d = stack.pop()
            if d.name in out:
                continue
            if d.kind == "oneof":
                v = trial.suggest_categorical(d.name, list(range(d.n)))
                stack.extend(reversed(d.children.get(v, [])))
            elif d.kind == "int":
                v = trial.suggest_int(d.name, int(d.lo), int(d.hi))
            elif d.kind == "float":
                v = trial.suggest_float(d.name, d.lo, d.hi, log=d.scale == "log")
            else:
                options = self.manyof_values[d.name]
                v = options[trial.suggest_categorical(d.name, list(range(len(options))))]
            out[d.name] = v
        return out

    def _distributions(self, decisions: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        dist = self.optuna.distributions
        params: dict[str, Any] = {}
        dists: dict[str, Any] = {}
        for d in self.space.active(decisions):
            v = decisions[d.name]
            if d.kind == "oneof":
                dists[d.name] = dist.CategoricalDistribution(list(range(d.n)))
            elif d.kind == "int":
                dists[d.name] = dist.IntDistribution(int(d.lo), int(d.hi))
            elif d.kind == "float":
                dists[d.name] = dist.FloatDistribution(d.lo, d.hi, log=d.scale == "log")
            else:
                options = self.manyof_values[d.name]
                dists[d.name] = dist.CategoricalDistribution(list(range(len(options))))
                v = options.index(list(v))
            params[d.name] = v
        return params, dists

    def ask(self, trial: int) -> dict[str, Any]:
        t = self.study.ask()
        self.pending[trial] = t
        return self._suggest(t)

    def tell(self, trial: int, decisions: dict[str, Any], values: list[float] | None) -> None:
        state = self.optuna.trial.TrialState
        t = self.pending.pop(trial, None)
        if t is not None:
            if values is None:
                self.study.tell(t, state=state.FAIL)
            else:
                self.study.tell(t, values if len(values) > 1 else values[0])
            return
        # a trial recorded by an earlier process: add it as a finished trial
        params, dists = self._distributions(decisions)
        frozen = self.optuna.trial.create_trial(
            params=params,
            distributions=dists,
            values=values,
            state=state.COMPLETE if values is not None else state.FAIL,
        )
        self.study.add_trial(frozen)

"""Search algorithms and early stopping on in-memory spaces (no repository)."""

from __future__ import annotations

import random

import pytest
from test_hyper_space import HConv, HNet

from graftlab.hyper import HyperError, Space, check_decisions, floatv, intv, manyof, oneof
from graftlab.hyper.algorithms import get_algorithm
from graftlab.hyper.early_stopping import get_stopper
from graftlab.hyper.objectives import Objective
from graftlab.hyper.sampling import grid, grid_size, mutate, sample


def conditional_space() -> Space:
    return Space(
        HNet(
            layers=[
                HConv(oneof([8, 16, 32])),
                oneof([HConv(intv(1, 4)), HConv(2, kernel_size=oneof([1, 3, 5]))]),
            ],
            lr=floatv(1e-3, 1.0, scale="log"),
            tags=manyof(2, ["a", "b", "c"]),
        )
    )


def objective(space: Space, point: dict) -> float:
    """Best (26) at features=32 (index 2), the second candidate with kernel 5, lr 0.1."""
    import math

    score = point["layers[0].features"] * 10.0
    if point["layers[1]"] == 1:
        score += 3 * point["layers[1][1].kernel_size"]
    score -= abs(math.log10(point["lr"]) + 1)
    return score


def test_random_samples_are_valid_and_reproducible() -> None:
    space = conditional_space()
    algo = get_algorithm("random")
    algo.setup(space, [Objective("score")], seed=3)
    points = [algo.ask(i) for i in range(200)]
    for p in points:
        check_decisions(space, p)  # raises on any invalid or inactive decision
    assert points[7] == algo.ask(7)  # trial n is the same point on resume
    assert {p["layers[1]"] for p in points} == {0, 1}


def test_mutation_changes_one_decision_and_follows_conditions() -> None:
    space = conditional_space()
    rng = random.Random(0)
    for _ in range(300):
        p = sample(space, rng)
        m = mutate(space, p, rng)
        check_decisions(space, m)
        changed = [k for k in set(p) | set(m) if p.get(k) != m.get(k)]
        assert 1 <= len(changed) <= 3  # one decision, plus conditionals it brings or drops


def test_grid_with_sizes() -> None:
    space = conditional_space()
    n = grid_size(space, {"lr": 2})
    points = list(grid(space, {"lr": 2}))
    # intv(1, 4) gets 3 points by default (1, 2, 4), lr 2, the manyof all 6 picks
    assert n == len(points) == 3 * (3 + 3) * 2 * 6
    assert {p["lr"] for p in points} == {1e-3, 1.0}
    assert grid_size(space, {"lr": 2, "layers[1][0].features": 4}) == 3 * (4 + 3) * 2 * 6
    assert len({str(sorted(p.items())) for p in points}) == n
    algo = get_algorithm("grid", sizes={"lr": 2})
    algo.setup(space, [Objective("score")])
    assert [algo.ask(i) for i in range(n)] == points
    assert algo.ask(n) is None
    bad = get_algorithm("grid", sizes={"nope": 2})
    with pytest.raises(HyperError, match="unknown decisions: nope"):
        bad.setup(space, [])


@pytest.mark.parametrize("name", ["evolution", "tpe"])
def test_search_beats_random_start(name: str) -> None:
    space = conditional_space()
    algo = get_algorithm(
        name, **({"population": 10, "tournament": 3} if name == "evolution" else {})
    )
    algo.setup(space, [Objective("score", "max")], seed=1)
    scores = []
    for i in range(120):
        p = algo.ask(i)
        check_decisions(space, p)
        s = objective(space, p)
        scores.append(s)
        algo.tell(i, p, [s])
    assert max(scores[60:]) >= 25  # near the optimum (26)
    assert sum(scores[-20:]) / 20 > sum(scores[:20]) / 20


@pytest.mark.parametrize("name", ["cmaes", "qmc", "nsga2"])
def test_optuna_samplers_give_valid_conditional_points(name: str) -> None:
    space = conditional_space()
    objectives = [Objective("score")] + ([Objective("cost", "min")] if name == "nsga2" else [])
    algo = get_algorithm(name)
    algo.setup(space, objectives, seed=0)
    for i in range(12):
        p = algo.ask(i)
        check_decisions(space, p)
        vals = [objective(space, p)] + ([p["lr"]] if name == "nsga2" else [])
        algo.tell(i, p, vals)


def test_optuna_state_rebuilt_from_recorded_trials() -> None:
    space = conditional_space()
    first = get_algorithm("tpe")
    first.setup(space, [Objective("score")], seed=0)
    history = []
    for i in range(15):
        p = first.ask(i)
        history.append((i, p, [objective(space, p)]))
        first.tell(i, p, history[-1][2])
    resumed = get_algorithm("tpe")
    resumed.setup(space, [Objective("score")], seed=0)
    for i, p, v in history:
        resumed.tell(i, p, v if i != 3 else None)  # one failed trial too
    assert len(resumed.study.trials) == 15
    check_decisions(space, resumed.ask(15))


def test_unknown_algorithm_suggests() -> None:
    with pytest.raises(HyperError, match="did you mean 'evolution'"):
        get_algorithm("evolutoin")


def test_median_and_asha_stop_bad_trials() -> None:
    obj = Objective("loss", "min")
    median = get_stopper("median", obj, grace=1, min_trials=2)
    for t in range(3):
        for step in range(3):
            assert not median.report(t, step, 1.0 / (step + 1))
    assert not median.report(9, 0, 5.0)  # within the grace period
    assert median.report(9, 1, 5.0)  # much worse than the median at step 1
    asha = get_stopper("asha", obj, min_step=1, eta=2)
    assert not asha.report(0, 1, 0.1)
    assert asha.report(1, 1, 0.2) is not None
    assert asha.report(2, 1, 0.9)  # bottom half of the rung
    assert not asha.report(3, 2, 0.1)  # not a rung step


def test_log_floats_stay_inside_their_range_at_the_bounds() -> None:
    # exp(log(1e-6)) rounds to 1.0000000000000004e-06 (found by the tuning benchmark)
    space = Space(HNet(layers=[], lr=floatv(1e-9, 1e-6, scale="log")))
    rng = random.Random(0)
    point = {"lr": 1e-6}
    for _ in range(2000):
        point = mutate(space, point, rng)
        check_decisions(space, point)
        check_decisions(space, sample(space, rng))


def test_plugin_algorithms_come_from_the_entry_point_group(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a real (if tiny) installed distribution: importlib.metadata finds it on sys.path
    dist = tmp_path / "graft_plugin_demo-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: graft-plugin-demo\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[graftlab.algorithms]\nfirst_choice = graft_plugin_demo:FirstChoice\n"
    )
    (tmp_path / "graft_plugin_demo.py").write_text(
        "from graftlab.hyper.algorithms import Algorithm\n"
        "from graftlab.hyper.sampling import sample\n\n"
        "class FirstChoice(Algorithm):\n"
        "    name = 'first_choice'\n\n"
        "    def __init__(self, bias: int = 0):\n"
        "        self.bias = bias\n\n"
        "    def ask(self, trial):\n"
        "        return sample(self.space, self.rng(trial + self.bias))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from graftlab.hyper.algorithms import algorithm_names

    assert "first_choice" in algorithm_names()
    algo = get_algorithm("first_choice", bias=3)
    assert type(algo).__name__ == "FirstChoice" and algo.bias == 3
    space = conditional_space()
    algo.setup(space, [Objective("score")])
    check_decisions(space, algo.ask(0))

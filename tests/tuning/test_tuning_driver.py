"""Tunes through the Python API: real git, real worker processes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import graftlab as gl
from graftlab.repo import records
from graftlab.tuning import TuneOptions, list_tunes, read_trials, tune
from graftlab.tuning.driver import best_trials


def test_random_tune_records_every_trial_as_a_run(toy_repo: gl.Repo) -> None:
    events = []
    rec = tune(
        toy_repo,
        TuneOptions("space", "random", trials=6, workers=2, objectives=["loss:min"], seed=4),
        on_event=lambda kind, data: events.append(kind),
    )
    trials = read_trials(toy_repo.git, rec.id)
    assert sorted(t.trial for t in trials) == list(range(6))
    assert all(t.status == "succeeded" and t.tune == rec.id for t in trials)
    assert events.count("trial") == 6 and events[0] == "start" and events[-1] == "end"
    # each trial is a normal run: its materialized experiment and decisions are in git
    first = trials[0]
    _, sha = records.resolve_run(toy_repo.git, first.id)
    text = records.read_file(toy_repo.git, sha, "experiment.py").decode()
    assert "oneof" not in text and "Trainer(" in text
    assert first.decisions is not None and "lr" in first.decisions
    assert first.env["python"] and "graftlab" in first.env["packages"]
    # its first commit is the "running" record written at dispatch, the second the result
    running = json.loads(records.read_file(toy_repo.git, f"{sha}^", "run.json"))
    assert running["status"] == "running" and running["env"] == first.env
    assert [t.id for t in list_tunes(toy_repo.git)] == [rec.id]
    ranked = best_trials(rec, trials)
    losses = [v[0] for _, v in ranked]
    assert losses == sorted(losses)
    # the records' objects, written in-process (``records.write_record``), are valid git
    subprocess.run(["git", "fsck", "--no-progress", "--strict"], cwd=toy_repo.root, check=True)


def test_grid_exhausts_and_evolution_runs(toy_repo: gl.Repo, toy_root: Path) -> None:
    (toy_root / "experiments" / "small.py").write_text(
        "from graftlab import intv, oneof\nfrom tunetoy import Layer, Optimizer, Trainer\n\n"
        "experiment = Trainer(layers=[Layer(width=oneof([4, 8]))], optimizer=Optimizer(), "
        "steps=intv(1, 2))\n"
    )
    rec = tune(toy_repo, TuneOptions("small", "grid", trials=50, objectives=["width:max"]))
    trials = read_trials(toy_repo.git, rec.id)
    assert len(trials) == 4  # the grid has 4 points: the tune stops there
    assert {tuple(sorted(t.decisions.items())) for t in trials} == {
        (("layers[0].width", w), ("steps", s)) for w in (0, 1) for s in (1, 2)
    }
    rec = tune(
        toy_repo,
        TuneOptions(
            "space",
            "evolution",
            trials=10,
            objectives=["width:max"],
            options={"population": 4, "tournament": 2},
        ),
    )
    assert len(read_trials(toy_repo.git, rec.id)) == 10


def test_search_over_patch_rules_beats_the_baseline(toy_repo: gl.Repo) -> None:
    base = toy_repo.run("baseline", show_progress=False)
    rec = tune(toy_repo, TuneOptions("ideas", "random", trials=12, objectives=["loss:min"]))
    best, vals = best_trials(rec, read_trials(toy_repo.git, rec.id))[0]
    assert vals is not None and vals[0] < base.metrics["loss"]
    assert best.decisions["patches[0]"] != 2  # a widening rule was chosen (2 is None)


def test_failed_trials_are_recorded_and_told(toy_repo: gl.Repo, toy_root: Path) -> None:
    (toy_root / "experiments" / "fragile.py").write_text(
        "from graftlab import oneof\nfrom tunetoy import Layer, Optimizer, Trainer\n\n"
        "experiment = Trainer(layers=[Layer(width=oneof([0, 4]))], optimizer=Optimizer())\n"
    )
    rec = tune(toy_repo, TuneOptions("fragile", "grid", trials=2, objectives=["loss:min"]))
    trials = {t.decisions["layers[0].width"]: t for t in read_trials(toy_repo.git, rec.id)}
    assert trials[0].status == "failed" and trials[0].error["type"] == "ZeroDivisionError"
    assert trials[1].status == "succeeded"


def test_early_stopping_stops_bad_trials(toy_repo: gl.Repo, toy_root: Path) -> None:
    (toy_root / "experiments" / "long.py").write_text(
        "from graftlab import floatv\nfrom tunetoy import Layer, Optimizer, Trainer\n\n"
        "experiment = Trainer(layers=[Layer(width=100)], "
        'optimizer=Optimizer(learning_rate=floatv(0.01, 10.0, scale="log")), steps=12)\n'
    )
    opts = TuneOptions(
        "long",
        "random",
        trials=12,
        objectives=["loss:min"],
        early_stopping="asha",
        stopping_options={"min_step": 1, "eta": 2},
    )
    rec = tune(toy_repo, opts)
    trials = read_trials(toy_repo.git, rec.id)
    stopped = [t for t in trials if t.status == "stopped"]
    assert stopped and len(trials) == 12
    assert all(len(t.metrics) and t.metrics["loss"] > 0 for t in stopped)


def test_unknown_or_plain_experiment_is_refused(toy_repo: gl.Repo) -> None:
    with pytest.raises(gl.GraftError, match="no choices"):
        tune(toy_repo, TuneOptions("baseline"))
    with pytest.raises(gl.GraftError, match="unknown algorithm"):
        tune(toy_repo, TuneOptions("space", "nope"))


def test_two_objectives_with_nsga2(toy_repo: gl.Repo) -> None:
    rec = tune(
        toy_repo,
        TuneOptions("space", "nsga2", trials=6, objectives=["loss:min", "width:max"], seed=1),
    )
    trials = read_trials(toy_repo.git, rec.id)
    assert len(trials) == 6 and rec.objectives == ["loss:min", "width:max"]
    ranked = best_trials(rec, trials)
    assert all(v is not None and len(v) == 2 for _, v in ranked)
    assert [v[0] for _, v in ranked] == sorted(v[0] for _, v in ranked)

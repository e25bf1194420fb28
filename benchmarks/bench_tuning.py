"""Tuning: tuner overhead per trial and trial throughput.

Overhead: 1,000 trials with a constant-time objective over a 10-decision mixed space (4
choices of 4, 3 log floats, 3 ints), each trial asking the algorithm, materializing the
experiment tree and telling the result: graftlab (random, regularized evolution, TPE through
Optuna) next to PyGlove 0.4.5 ``pg.sample`` (random, regularized evolution) and Optuna alone
(random, TPE; ask, 10 suggestions, tell). Each case runs in its own process, the rounds are
interleaved, and the table shows the median over rounds with the spread (min-max).

Throughput: ``graft tune`` with 2 local worker processes on trials that sleep 1 s, in a
real git repository (every trial recorded as a run): trials per second.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import Measurement

TITLE = "tuning: overhead per trial (1,000 trials, 10 decisions) and throughput"
N_TRIALS = 1000
CASES = (
    "graftlab-random",
    "graftlab-evolution",
    "graftlab-tpe",
    "pyglove-random",
    "pyglove-evolution",
    "optuna-random",
    "optuna-tpe",
)


# -- the cases (each runs in its own process) ------------------------------------------------


def _graftlab(algorithm: str, n: int) -> float:
    import graftlab as gl
    from graftlab.hyper import Space, floatv, intv, materialize, oneof
    from graftlab.hyper.algorithms import get_algorithm
    from graftlab.hyper.objectives import Objective

    @gl.symbolize
    class BOpt:
        def __init__(self, lr: float, wd: float, eps: float) -> None:
            self.lr, self.wd, self.eps = lr, wd, eps

    @gl.symbolize
    class BModel:
        def __init__(
            self,
            act: str,
            norm: str,
            width: int,
            pool: str,
            opt: BOpt,
            depth: int,
            heads: int,
            batch: int,
        ) -> None:
            self.act = act

    space_tree = BModel(
        act=oneof(["relu", "gelu", "silu", "tanh"]),
        norm=oneof(["batch", "layer", "group", "none"]),
        width=oneof([32, 64, 128, 256]),
        pool=oneof(["max", "avg", "none", "attn"]),
        opt=BOpt(
            lr=floatv(1e-5, 1e-1, scale="log"),
            wd=floatv(1e-6, 1e-2, scale="log"),
            eps=floatv(1e-9, 1e-6, scale="log"),
        ),
        depth=intv(1, 8),
        heads=intv(1, 16),
        batch=intv(1, 32),
    )
    space = Space(space_tree)
    assert len(space) == 10
    opts = {"population": 20, "tournament": 5} if algorithm == "evolution" else {}
    algo = get_algorithm(algorithm, **opts)
    algo.setup(space, [Objective("reward", "max")], seed=0)
    t0 = time.perf_counter()
    for i in range(n):
        d = algo.ask(i)
        model = materialize(space_tree, d, space=space)
        algo.tell(i, d, [0.5 if model.act == "relu" else 0.4])
    return (time.perf_counter() - t0) / n


def _pyglove(algorithm: str, n: int) -> float:
    import pyglove as pg

    @pg.members([("lr", pg.typing.Float()), ("wd", pg.typing.Float()), ("eps", pg.typing.Float())])
    class POpt(pg.Object):
        pass

    @pg.members(
        [
            ("act", pg.typing.Str()),
            ("norm", pg.typing.Str()),
            ("width", pg.typing.Int()),
            ("pool", pg.typing.Str()),
            ("opt", pg.typing.Object(POpt)),
            ("depth", pg.typing.Int()),
            ("heads", pg.typing.Int()),
            ("batch", pg.typing.Int()),
        ]
    )
    class PModel(pg.Object):
        pass

    space = PModel(
        act=pg.oneof(["relu", "gelu", "silu", "tanh"]),
        norm=pg.oneof(["batch", "layer", "group", "none"]),
        width=pg.oneof([32, 64, 128, 256]),
        pool=pg.oneof(["max", "avg", "none", "attn"]),
        opt=POpt(
            lr=pg.floatv(1e-5, 1e-1, scale="log"),
            wd=pg.floatv(1e-6, 1e-2, scale="log"),
            eps=pg.floatv(1e-9, 1e-6, scale="log"),
        ),
        # PyGlove 0.4.5 has no integer range: an int is a choice among its values
        depth=pg.oneof(list(range(1, 9))),
        heads=pg.oneof(list(range(1, 17))),
        batch=pg.oneof(list(range(1, 33))),
    )
    algo = (
        pg.geno.Random(seed=0)
        if algorithm == "random"
        else pg.evolution.regularized_evolution(population_size=20, tournament_size=5, seed=0)
    )
    t0 = time.perf_counter()
    for model, feedback in pg.sample(space, algo, num_examples=n):
        feedback(0.5 if model.act == "relu" else 0.4)
    return (time.perf_counter() - t0) / n


def _optuna(sampler: str, n: int) -> float:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = (
        optuna.samplers.TPESampler(seed=0)
        if sampler == "tpe"
        else optuna.samplers.RandomSampler(seed=0)
    )
    study = optuna.create_study(sampler=s, direction="maximize")
    t0 = time.perf_counter()
    for _ in range(n):
        t = study.ask()
        act = t.suggest_categorical("act", [0, 1, 2, 3])
        for name in ("norm", "width", "pool"):
            t.suggest_categorical(name, [0, 1, 2, 3])
        t.suggest_float("lr", 1e-5, 1e-1, log=True)
        t.suggest_float("wd", 1e-6, 1e-2, log=True)
        t.suggest_float("eps", 1e-9, 1e-6, log=True)
        t.suggest_int("depth", 1, 8)
        t.suggest_int("heads", 1, 16)
        t.suggest_int("batch", 1, 32)
        study.tell(t, 0.5 if act == 0 else 0.4)
    return (time.perf_counter() - t0) / n


def run_case(case: str, n: int) -> float:
    lib, algo = case.split("-", 1)
    return {"graftlab": _graftlab, "pyglove": _pyglove, "optuna": _optuna}[lib](algo, n)


# -- throughput ------------------------------------------------------------------------------


def _git_env() -> dict[str, str]:
    """A git identity; Python writes bytecode caches (as a ``pip install`` has them), so the
    commands start as they do for a user and not from source each time."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _sleep_repo(sleep: float) -> Path:
    """A committed repository whose experiment ``sleep`` sleeps ``sleep`` seconds per trial
    and returns ``finished``, the time it finished (the same clock as Ray Tune's case)."""
    root = Path(tempfile.mkdtemp(prefix="graft-bench-tune-"))
    env = _git_env()
    (root / "experiments").mkdir()
    (root / "graft.toml").write_text('[graft]\nname = "bench"\nallowed_modules = ["benchtoy"]\n')
    (root / "benchtoy.py").write_text(
        "import time\nimport graftlab as gl\n\n\n@gl.symbolize\nclass Sleep:\n"
        "    def __init__(self, seconds: float, x: float = 0.0) -> None:\n"
        "        self.seconds, self.x = seconds, x\n\n"
        "    def run(self, context):\n        time.sleep(self.seconds)\n"
        "        return {'loss': self.x, 'finished': time.time()}\n"
    )
    (root / "experiments" / "sleep.py").write_text(
        "from graftlab import floatv\nfrom benchtoy import Sleep\n\n"
        f"experiment = Sleep(seconds={sleep}, x=floatv(0.0, 1.0))\n"
    )
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=env, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "bench"], cwd=root, env=env, check=True)
    return root


def _graft_tune(root: Path, *args: str) -> float:
    """Runs ``graft tune sleep ARGS``; returns its wall time (the whole command)."""
    cmd = [sys.executable, "-m", "graftlab.cli", "tune", "sleep", *args, "--json"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=root, env=_git_env(), check=True, capture_output=True)
    return time.perf_counter() - t0


def _runs(root: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "graftlab.cli", "runs", "--json"],
        cwd=root,
        env=_git_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def trials_span(root: Path) -> float:
    """From the first trial's dispatch to the last trial's end, read from the run records."""
    runs = _runs(root)
    return max(r["ended"] for r in runs) - min(r["started"] for r in runs)


def steady_per_trial(done: list[float]) -> float:
    """Seconds between trial ends in steady state: (last end - first end) / (n - 1)."""
    done = sorted(done)
    return (done[-1] - done[0]) / (len(done) - 1)


def throughput(trials: int, workers: int = 2, sleep: float = 1.0) -> tuple[float, float]:
    """Trials per second of ``graft tune`` with local workers on ``sleep``-second trials:
    end to end (starting the command and its workers included) and in steady state."""
    _graft_tune(_sleep_repo(sleep), "--trials", "2", "--workers", str(workers))  # warm-up
    root = _sleep_repo(sleep)
    elapsed = _graft_tune(root, "--trials", str(trials), "--workers", str(workers))
    return trials / elapsed, trials / trials_span(root)


# -- Ray: dispatch overhead per trial, graft tune --ray vs Ray Tune ----------------------------


def _raytune_case(address: str, n: int, storage: str, reuse: bool) -> dict[str, float]:
    import ray
    from ray import tune

    ray.init(address=address, logging_level="ERROR", log_to_driver=False)

    def trainable(config: dict[str, Any]) -> dict[str, float]:
        return {"loss": config["x"], "finished": time.time()}

    tuner = tune.Tuner(
        trainable,
        param_space={"x": tune.uniform(0.0, 1.0)},
        tune_config=tune.TuneConfig(num_samples=n, max_concurrent_trials=2, reuse_actors=reuse),
        run_config=tune.RunConfig(storage_path=storage, verbose=0),
    )
    t0 = time.perf_counter()
    results = tuner.fit()
    elapsed = time.perf_counter() - t0
    assert len(results) == n and not results.errors
    done = [r.metrics["finished"] for r in results]
    return {"end_to_end": elapsed / n, "steady": steady_per_trial(done)}


def ray_dispatch(n: int) -> dict[str, dict[str, float]] | None:
    """Seconds per no-op trial on a local 2-CPU Ray cluster, 2 trials at a time, in steady
    state (between trial ends) and end to end (the whole command or ``Tuner.fit`` / n):
    ``graft tune --ray`` (every trial recorded in git) and Ray Tune with fresh actors per
    trial (its default) and with ``reuse_actors=True``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from _support.ray_head import RayHeadError, local_ray_head

    try:
        with local_ray_head(cpus=2) as (address, _):
            temp = Path(tempfile.mkdtemp(prefix="graft-bench-raytune-"))
            _graft_tune(_sleep_repo(0.0), "--trials", "2", "--workers", "2", "--ray", address)
            root = _sleep_repo(0.0)
            wall = _graft_tune(root, "--trials", str(n), "--workers", "2", "--ray", address)
            done = [r["metrics"]["finished"] for r in _runs(root)]
            out: dict[str, dict[str, float]] = {
                "graftlab": {"end_to_end": wall / n, "steady": steady_per_trial(done)}
            }
            for reuse in ("0", "1"):
                proc = subprocess.run(
                    [sys.executable, __file__, "--raytune", address, str(n), str(temp), reuse],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=Path(__file__).parent,
                )
                key = "raytune-reuse" if reuse == "1" else "raytune"
                out[key] = json.loads(proc.stdout.strip().splitlines()[-1])
            return out
    except RayHeadError as e:
        print(f"no local Ray cluster: {e}", file=sys.stderr)
        return None


# -- the table -------------------------------------------------------------------------------


def _in_process(case: str, n: int) -> float:
    out = subprocess.run(
        [sys.executable, __file__, "--case", case, "--trials", str(n)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 200 if quick else N_TRIALS
    rounds = 1 if quick else int(os.environ.get("GRAFT_BENCH_ROUNDS", "3"))
    times: dict[str, list[float]] = {c: [] for c in CASES}
    for _ in range(rounds):  # rounds interleaved: every case once per round
        for case in CASES:
            try:
                times[case].append(_in_process(case, n))
            except subprocess.CalledProcessError as e:
                print(f"{case} failed: {e.stderr[-500:]}", file=sys.stderr)

    def m(case: str) -> Measurement | None:
        ts = times[case]
        if not ts:
            return None
        spread = f"{min(ts) * 1e3:.2f}–{max(ts) * 1e3:.2f} ms over {len(ts)} round(s)"
        return Measurement(statistics.median(ts), spread)

    rows: list[dict[str, Any]] = [
        {
            "case": "random, per trial",
            "graftlab": m("graftlab-random"),
            "pyglove": m("pyglove-random"),
            "anchor": m("optuna-random"),
            "target": 1e-3,
        },
        {
            "case": "regularized evolution, per trial",
            "graftlab": m("graftlab-evolution"),
            "pyglove": m("pyglove-evolution"),
            "target": 1e-3,
        },
        {
            "case": "TPE (through graftlab vs Optuna alone)",
            "graftlab": m("graftlab-tpe"),
            "anchor": m("optuna-tpe"),
            "target": None,
        },
    ]
    tpe, alone = m("graftlab-tpe"), m("optuna-tpe")
    if tpe and alone:
        rows[-1]["extra ms over Optuna"] = f"{(tpe.seconds - alone.seconds) * 1e3:.2f} (target ≤ 1)"
    end_to_end, steady = throughput(6 if quick else 30)
    rows.append(
        {
            # as seconds per trial, end to end, so that the table checks the target (1.8/s)
            "case": "throughput, 2 local workers, 1 s trials: s per trial, end to end",
            "graftlab": Measurement(1 / end_to_end),
            "target": 1 / 1.8,
            "trials/s": f"{end_to_end:.2f} end to end, {steady:.2f} steady (target ≥ 1.8)",
        }
    )
    try:
        from ray import tune  # noqa: F401
    except ImportError:
        return rows
    ray_times = ray_dispatch(10 if quick else 40)
    if ray_times is not None:
        ours = ray_times["graftlab"]
        for key, label in (("raytune", "fresh actor per trial"), ("raytune-reuse", "reuse_actors")):
            theirs = ray_times[key]
            rows.append(
                {
                    "case": f"Ray, local 2-CPU cluster, per no-op trial vs Ray Tune ({label})",
                    "graftlab": Measurement(ours["steady"]),
                    "anchor": Measurement(theirs["steady"]),
                    "end to end": f"{ours['end_to_end']:.3f} s vs {theirs['end_to_end']:.3f} s",
                }
            )
    return rows


if __name__ == "__main__":
    if "--raytune" in sys.argv:
        i = sys.argv.index("--raytune")
        args = sys.argv[i + 1 : i + 5]
        print(json.dumps(_raytune_case(args[0], int(args[1]), args[2], args[3] == "1")))
        sys.exit(0)
    if "--case" in sys.argv:
        case = sys.argv[sys.argv.index("--case") + 1]
        n = int(sys.argv[sys.argv.index("--trials") + 1])
        print(run_case(case, n))
    elif "--throughput" in sys.argv:
        print(json.dumps({"trials_per_s": throughput(int(sys.argv[-1]))}))
    elif "--ray" in sys.argv:
        print(json.dumps(ray_dispatch(int(sys.argv[-1])), indent=1))

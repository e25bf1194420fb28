"""The repository at team scale: 1,000 experiments, 500 runs, 2 cores.

500 root experiments and 500 derived ones (through chains of shared rules); 544 of them use
the rule whose code changes in the last commit (500 derived through ``scale_width`` and 44
roots that apply it themselves), so review must materialize every experiment at both
revisions and report the 544 it alters. ``graft review``, ``graft ls`` and ``graft runs`` run
as the real CLI in a subprocess (rounds interleaved, medians with their spread). Recording
overhead is the time ``graft run`` adds to a run that does nothing, measured in-process, side
by side with MLflow's file store logging the same run (params, metrics, a log file) when
MLflow is importable (``GRAFT_BENCH_MLFLOW_PYTHON`` may name an interpreter that has it).

``GRAFT_BENCH_CLOCK=cpu`` judges the commands by their CPU time (the command and every
process it starts) instead of wall time, for a shared machine. ``GRAFT_BENCH_BEFORE=DIR``
also runs the same commands with ``PYTHONPATH=DIR`` (e.g. another checkout's ``src``), in
the same interleaved rounds, and shows those medians as "before".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import Measurement, fmt_seconds

TITLE = "repository: review / ls / runs / recording on 1,000 experiments and 500 runs"
TARGETS = {
    "graft review (rule used by 544 experiments changed)": 3.0,
    "graft ls": 0.5,
    "graft runs (500 runs)": 0.5,
    "recording overhead per run": 0.030,
}

LIB = """
import graftlab as gl


@gl.symbolize
class Conv:
    def __init__(self, features: int, kernel_size: int = 3, activation: str = "relu"):
        self.features = features


@gl.symbolize
class Optimizer:
    def __init__(self, learning_rate: float = 1e-3, momentum: float = 0.9):
        pass


@gl.symbolize
class Model:
    def __init__(self, layers: list[Conv], num_classes: int = 10, optimizer: Optimizer = Optimizer()):
        self.layers = layers


@gl.symbolize
class Job:
    # does nothing but report metrics: what is left is the cost of recording

    def __init__(self, lr: float = 0.1, steps: int = 3):
        self.lr = lr
        self.steps = steps

    def run(self, context):
        for step in range(self.steps):
            context.metrics(step, loss=self.lr / (step + 1))
        return {"loss": self.lr / self.steps}
"""

RULES = """
import graftlab as gl
from teamlib import Conv, Optimizer


@gl.patcher
def scale_width(model, factor: float = 2.0, minimum: int = 8):
    return {f"{p}.features": max(minimum, int(c.features * factor)) for p, c in gl.query(model, Conv).items()}


@gl.patcher
def change_lr(model, lr: float):
    return {f"{p}.learning_rate": lr for p in gl.query(model, Optimizer)}


@gl.patcher
def gelu(model):
    return {f"{p}.activation": "gelu" for p in gl.query(model, Conv)}
"""


def generate(root: Path, n_roots: int = 500, n_derived: int = 500) -> None:
    (root / "experiments").mkdir(parents=True)
    (root / "graft.toml").write_text(
        '[graft]\nallowed_modules = ["teamlib", "rules"]\npatch_modules = ["rules"]\n'
    )
    (root / "teamlib.py").write_text(LIB)
    (root / "rules.py").write_text(RULES)
    for i in range(n_roots):
        layers = ", ".join(f"Conv(features={16 * (1 + (i + j) % 4)})" for j in range(6))
        text = (
            "from teamlib import Conv, Model\n\n"
            f"experiment = Model(layers=[{layers}], num_classes={10 + i % 5})\n"
        )
        if i < n_roots * 44 // 500:  # a few roots apply the rule to themselves
            text = (
                "from graftlab import Derived\n\n"
                f'experiment = Derived(base="base_{n_roots - 1 - i:03d}", '
                'patches=["scale_width?factor=1.5"])\n'
            )
        (root / "experiments" / f"base_{i:03d}.py").write_text(text)
    (root / "experiments" / "job.py").write_text(
        "from teamlib import Job\n\nexperiment = Job(lr=0.1)\n"
    )
    for i in range(n_derived):
        (root / "experiments" / f"derived_{i:03d}.py").write_text(
            "from graftlab import Derived\n\n"
            f'experiment = Derived(base="base_{i % n_roots:03d}", '
            f'patches=["scale_width?factor=2", "change_lr?{0.002 * (1 + i % 3)}", "gelu"])\n'
        )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    run = lambda *a: subprocess.run(a, cwd=root, check=True, capture_output=True, env=env)  # noqa: E731
    run("git", "init", "-q")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "base")
    rules = (
        (root / "rules.py")
        .read_text()
        .replace("int(c.features * factor)", "int(c.features * factor) + 1")
    )
    (root / "rules.py").write_text(rules)
    run("git", "commit", "-qam", "change scale_width")


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


CLOCK = os.environ.get("GRAFT_BENCH_CLOCK", "wall")  # or "cpu"


def _cli(root: Path, *args: str, pythonpath: str | None = None) -> tuple[float, str, float]:
    """(wall seconds, output, CPU seconds of the command and every process it started)."""
    env = None
    if pythonpath is not None:
        env = {**os.environ, "PYTHONPATH": pythonpath}
    c0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=env,
    )
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return elapsed, proc.stdout, _children_cpu() - c0


def _median(times: list[float]) -> Measurement:
    times = sorted(times)
    spread = f"{times[0]:.2f}–{times[-1]:.2f} s" if len(times) > 1 else ""
    return Measurement(times[len(times) // 2], spread)


def _spread(times: list[float]) -> str:
    """``median (min-max)`` in seconds."""
    t = sorted(times)
    return f"{t[len(t) // 2]:.2f} ({t[0]:.2f}–{t[-1]:.2f})" if t else "-"


RECORD_SCRIPT = """
import gc, json, resource, sys, time
import graftlab as gl
def cpu():
    a = resource.getrusage(resource.RUSAGE_SELF); b = resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime
from graftlab.repo.context import RunContext
from graftlab.repo.runner import run_value
repo = gl.Repo(sys.argv[1])
n = int(sys.argv[2])
value = repo.load("job")
bare, bare_cpu = [], []
for _ in range(n):  # the run alone: the same experiment with a context, nothing recorded
    ctx = RunContext.local(show_progress=False)
    ctx.log_stream = None
    c0 = cpu(); t0 = time.perf_counter(); run_value(value, ctx)
    bare.append(time.perf_counter() - t0); bare_cpu.append(cpu() - c0)
full, full_cpu = [], []
for _ in range(n):
    c0 = cpu(); t0 = time.perf_counter(); repo.run("job", show_progress=False)
    full.append(time.perf_counter() - t0); full_cpu.append(cpu() - c0)
bare.sort(); bare_cpu.sort()
print(json.dumps({"bare": bare[n // 2], "bare_cpu": bare_cpu[n // 2], "full": full,
                  "full_cpu": full_cpu, "runs": len(repo.runs())}))
"""

MLFLOW_SCRIPT = """
import json, sys, tempfile, time, os
import mlflow
root = tempfile.mkdtemp()
mlflow.set_tracking_uri("file://" + root)
mlflow.set_experiment("bench")
n = int(sys.argv[1])
times = []
for i in range(n):
    t0 = time.perf_counter()
    with mlflow.start_run():
        mlflow.log_params({"lr": 0.1, "steps": 3})
        for step in range(3):
            mlflow.log_metric("loss", 0.1 / (step + 1), step=step)
        mlflow.log_text("run log\\n", "log.txt")
    times.append(time.perf_counter() - t0)
times.sort()
print(json.dumps({"full": times}))
"""


def _record(root: Path, n: int) -> tuple[Measurement, Measurement, int, float]:
    proc = subprocess.run(
        [sys.executable, "-c", RECORD_SCRIPT, str(root), str(n)],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    over = sorted(t - data["bare"] for t in data["full"])
    per = Measurement(
        over[len(over) // 2],
        f"{over[len(over) // 10] * 1e3:.0f}–{over[-len(over) // 10 - 1] * 1e3:.0f} ms (p10–p90)",
    )
    total = Measurement(sum(data["full"]), f"{n} runs")
    cpu = sorted(t - data["bare_cpu"] for t in data["full_cpu"])
    return per, total, data["runs"], cpu[len(cpu) // 2]


def _mlflow(n: int) -> tuple[Measurement | None, Measurement | None, str]:
    python = os.environ.get("GRAFT_BENCH_MLFLOW_PYTHON", sys.executable)
    proc = subprocess.run(
        [python, "-c", MLFLOW_SCRIPT, str(n)],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "MLFLOW_ENABLE_ASYNC_LOGGING": "false",
            "MLFLOW_ALLOW_FILE_STORE": "true",  # MLflow 3 keeps its file store behind this
        },
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return None, None, f"MLflow not run: {last[:80]}"
    times = json.loads(proc.stdout.strip().splitlines()[-1])["full"]
    return (
        Measurement(times[len(times) // 2]),
        Measurement(sum(times), f"{n} runs"),
        "",
    )


COMMANDS = {
    "review": ("review", "HEAD~1..HEAD", "--format", "json"),
    "ls": ("ls",),
    "runs": ("runs",),
}


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = 100 if quick else 500
    n_runs = 50 if quick else 500
    rounds = 1 if quick else int(os.environ.get("GRAFT_BENCH_ROUNDS", "5"))
    before_path = os.environ.get("GRAFT_BENCH_BEFORE")
    variants: list[tuple[str, str | None]] = [("after", None)]
    if before_path:
        variants.append(("before", before_path))
    wall: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], list[float]] = {}
    changed: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root, n, n)
        per_run, all_runs, recorded, record_cpu = _record(root, n_runs)
        ml_per, ml_all, ml_note = _mlflow(n_runs)
        for i in range(rounds):  # interleaved rounds, the variants' order alternating
            order = variants if i % 2 == 0 else variants[::-1]
            for label, path in order:
                for key, args in COMMANDS.items():
                    t, out, c = _cli(root, *args, pythonpath=path)
                    wall.setdefault((label, key), []).append(t)
                    cpu.setdefault((label, key), []).append(c)
                    if key == "review":
                        changed[label] = len(json.loads(out)["experiments"])
    expected = n + n * 44 // 500
    for label, got in changed.items():
        assert got == expected, f"{label}: expected {expected} changed experiments, got {got}"

    def measured(key: str) -> Measurement:
        times = cpu[("after", key)] if CLOCK == "cpu" else wall[("after", key)]
        return _median(times)

    def extra(key: str) -> dict[str, str]:
        out = {
            "wall s": _spread(wall[("after", key)]),
            "CPU s (all processes)": _spread(cpu[("after", key)]),
        }
        if before_path:
            out["before: wall s"] = _spread(wall[("before", key)])
            out["before: CPU s"] = _spread(cpu[("before", key)])
        return out

    case_review = "graft review (rule used by 544 experiments changed)"
    rows = [
        {
            "case": case_review,
            "graftlab": measured("review"),
            "target": TARGETS[case_review],
            "experiments": str(2 * n + 1),
            "reported": str(changed["after"]),
            **extra("review"),
        },
        {
            "case": "graft ls",
            "graftlab": measured("ls"),
            "target": TARGETS["graft ls"],
            **extra("ls"),
        },
        {
            "case": "graft runs (500 runs)",
            "graftlab": measured("runs"),
            "target": TARGETS["graft runs (500 runs)"],
            "runs": str(recorded),
            **extra("runs"),
        },
        {
            "case": "recording overhead per run",
            "graftlab": per_run,
            "CPU s (all processes)": f"{record_cpu:.3f}",
            "MLflow file store (whole run)": fmt_seconds(ml_per.seconds) if ml_per else ml_note,
            "target": TARGETS["recording overhead per run"],
        },
        {
            "case": f"{n_runs} runs recorded, total",
            "graftlab": all_runs,
            "MLflow file store (whole run)": fmt_seconds(ml_all.seconds) if ml_all else ml_note,
        },
    ]
    return rows


def main() -> None:
    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))
    print(
        f"  clock: {CLOCK} time"
        + (" (the command's CPU time and its children's)" if CLOCK == "cpu" else "")
        + f"; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

"""Search-space and tuning commands: ``graft show NAME --space``, ``graft tune``,
``graft tunes``, ``graft show TUNE`` and ``graft plot TUNE``."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from graftlab.cli.commands import command
from graftlab.cli.output import console, table
from graftlab.symbolic.errors import GraftError


def show_space(path: Path, *, as_json: bool = False) -> int:
    """Print the search space of an experiment file: its size and every decision."""
    from graftlab.hyper import Space
    from graftlab.io.loader import load_file

    value = load_file(path).get("experiment")
    space = Space(value)
    if as_json:
        json.dump({"file": str(path), **space.to_json()}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    out = console()
    size = space.size
    shown = "infinite (float ranges)" if math.isinf(size) else f"{int(size):,}"
    out.print(f"[bold]{path.stem}[/]: {len(space)} decision(s), {shown} point(s)")
    if space.is_empty:
        out.print("  no choices: this is a plain experiment")
        return 0
    t = table(out, "decision", "domain", "when")
    for d in space:
        when = f"{d.condition[0]} = {d.condition[1]}" if d.condition else "-"
        t.add_row(d.name, d.describe(), when)
    out.print(t)
    return 0


def add_parser(sub: Any) -> None:
    """Register the tuning commands (``graft tune``, ``graft tunes``)."""
    p = command(
        sub,
        "tune",
        cmd_tune,
        help="search an experiment's space: every trial is a run recorded in git",
        description="Tune an experiment whose file holds choices (oneof, manyof, floatv, intv). "
        "Every trial is a run under refs/graft/runs/ with its decisions and the tune id.\n\n"
        "Examples:\n  graft tune space --algorithm evolution --trials 200 --workers 4 "
        "--metric eval_accuracy:max\n  graft tune space --algorithm grid --option size=5\n"
        "  graft tune --resume tune-20261201-0910\n"
        "  graft tune --resume tune-20261201-0910 --save-best space_best\n"
        "  graft tune space --ray auto --workers 8",
    )
    p.add_argument("name", nargs="?", help="the experiment to tune")
    p.add_argument(
        "--algorithm",
        default="random",
        help="random, grid, evolution, tpe, cmaes, qmc, nsga2 or a plug-in (default random)",
    )
    p.add_argument("--trials", type=int, default=20, help="number of trials (default 20)")
    p.add_argument("--workers", type=int, default=1, help="trials at the same time (default 1)")
    p.add_argument(
        "--metric",
        action="append",
        default=None,
        metavar="NAME[:max|:min]",
        help="objective(s) from the run's metrics (repeat for several; default loss:min)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the algorithm (default 0)")
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="algorithm option, e.g. population=20, size=5 (values are JSON)",
    )
    p.add_argument(
        "--early-stop",
        choices=["median", "asha"],
        default=None,
        help="stop bad trials from their intermediate metrics",
    )
    p.add_argument("--resume", metavar="TUNE", help="continue a tune after a crash or kill")
    p.add_argument("--ray", metavar="ADDRESS", help="run trials as Ray tasks (ADDRESS or auto)")
    p.add_argument("--save-best", metavar="NAME", help="write the best trial as experiment NAME")
    p.add_argument("--json", action="store_true", help="print the tune's summary as JSON")

    p = command(
        sub,
        "tunes",
        cmd_tunes,
        help="list tunes with their progress and best value",
        description="List tunes, newest first.\n\nExample:\n  graft tunes --json",
    )
    p.add_argument("--json", action="store_true", help="print JSON")


def _options(items: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        k, eq, v = item.partition("=")
        if not eq:
            raise GraftError(f"--option {item!r}: expected KEY=VALUE")
        try:
            out[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            out[k.strip()] = v
    return out


def cmd_tune(args: argparse.Namespace) -> int:
    from graftlab.repo.layout import Repo
    from graftlab.tuning.driver import TuneOptions, tune

    repo = Repo()
    if not args.name and not args.resume:
        raise GraftError("graft tune: name an experiment with choices, or --resume TUNE")
    out = console(stderr=True)

    def on_event(kind: str, data: dict[str, Any]) -> None:
        if args.json:
            return
        if kind == "start":
            out.print(
                f"tune [bold]{data['tune']}[/]: {data['done']}/{data['trials']} trials recorded"
                + (f", {data['redo']} interrupted to re-run" if data["redo"] else "")
            )
        elif kind == "trial":
            r = data["record"]
            filled = int(20 * data["done"] / max(1, data["trials"]))
            bar = "#" * filled + "." * (20 - filled)
            shown = ", ".join(f"{k}={v:.4g}" for k, v in list(r.metrics.items())[:3])
            out.print(
                f"[{bar}] {data['done']}/{data['trials']} trial {r.trial} {r.status} {shown}",
                markup=False,
            )

    opts = None
    if args.name:
        opts = TuneOptions(
            experiment=args.name,
            algorithm=args.algorithm,
            trials=args.trials,
            workers=args.workers,
            objectives=args.metric or ["loss:min"],
            seed=args.seed,
            options=_options(args.option),
            early_stopping=args.early_stop,
            ray=args.ray,
        )
    elif args.ray or args.workers != 1:
        from graftlab.tuning.driver import TuneOptions as _T

        opts = _T(experiment="", workers=args.workers, ray=args.ray)
    # Ray prints its own messages to standard output: keep it for our results.
    saved_stdout = None
    if args.ray:
        sys.stdout.flush()
        saved_stdout = os.dup(1)
        os.dup2(2, 1)
    try:
        rec = tune(repo, opts, resume=args.resume, on_event=on_event)
    finally:
        if saved_stdout is not None:
            sys.stdout.flush()
            os.dup2(saved_stdout, 1)
            os.close(saved_stdout)
    saved = None
    if args.save_best:
        saved = save_best(repo, rec.id, args.save_best)
    if args.json:
        json.dump({"tune": rec.id, "saved": str(saved) if saved else None}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    print_tune(repo, rec.id)
    if saved:
        console().print(f"wrote the best trial to {saved}")
    return 0


def save_best(repo: Any, tune_id: str, name: str) -> Path:
    """Write the best trial of a tune as experiment ``name`` (the space's choices made)."""
    from graftlab.hyper import format_decisions, materialize
    from graftlab.tuning.driver import best_trials
    from graftlab.tuning.store import read_trials, resolve_tune

    rec = resolve_tune(repo.git, tune_id)
    rows = best_trials(rec, read_trials(repo.git, rec.id))
    if not rows or rows[0][1] is None:
        raise GraftError(f"tune {rec.id} has no successful trial yet")
    best, vals = rows[0]
    template = repo.load(rec.experiment)
    value = materialize(template, best.decisions or {}, apply=False)
    shown = ", ".join(f"{o}={v:.6g}" for o, v in zip(rec.objectives, vals or [], strict=False))
    doc = (
        f"Best trial {best.trial} (run {best.id}) of {rec.id} over {rec.experiment}: {shown}.\n\n"
        f"Decisions: {format_decisions(best.decisions or {})}"
    )
    return repo.save(name, value, docstring=doc)  # type: ignore[no-any-return]


def print_tune(repo: Any, tune_id: str, as_json: bool = False) -> int:
    """The trials of a tune, best first."""
    from graftlab.hyper import format_decisions
    from graftlab.tuning.driver import best_trials
    from graftlab.tuning.store import read_trials, resolve_tune

    rec = resolve_tune(repo.git, tune_id)
    trials = read_trials(repo.git, rec.id)
    rows = best_trials(rec, trials)
    if as_json:
        json.dump(
            {
                "tune": rec.id,
                "experiment": rec.experiment,
                "algorithm": rec.algorithm,
                "objectives": rec.objectives,
                "trials": [
                    {
                        "trial": r.trial,
                        "run": r.id,
                        "status": r.effective_status(),
                        "values": v,
                        "decisions": r.decisions,
                        "metrics": r.metrics,
                    }
                    for r, v in rows
                ],
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return 0
    out = console()
    finished = sum(1 for r in trials if r.effective_status() in ("succeeded", "failed", "stopped"))
    out.print(
        f"[bold]{rec.id}[/]: {rec.experiment}, {rec.algorithm}, {', '.join(rec.objectives)}; "
        f"{finished}/{rec.trials} trials"
    )
    t = table(out, "#", "trial", "run", "status", *rec.objectives, "decisions")
    for i, (r, vals) in enumerate(rows, 1):
        cells = [f"{v:.6g}" for v in vals] if vals else ["-"] * len(rec.objectives)
        t.add_row(
            str(i),
            str(r.trial),
            r.id,
            r.effective_status(),
            *cells,
            format_decisions(r.decisions or {}),
        )
    out.print(t)
    return 0


def cmd_tunes(args: argparse.Namespace) -> int:
    from graftlab.repo.layout import Repo
    from graftlab.tuning.driver import best_trials
    from graftlab.tuning.store import list_tunes, read_trials

    repo = Repo()
    rows = []
    for rec in list_tunes(repo.git):
        trials = read_trials(repo.git, rec.id)
        ranked = best_trials(rec, trials)
        best = ranked[0][1] if ranked and ranked[0][1] is not None else None
        finished = sum(
            1 for r in trials if r.effective_status() in ("succeeded", "failed", "stopped")
        )
        rows.append(
            {
                "id": rec.id,
                "experiment": rec.experiment,
                "algorithm": rec.algorithm,
                "objectives": rec.objectives,
                "finished": finished,
                "trials": rec.trials,
                "best": best,
            }
        )
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    out = console()
    t = table(
        out,
        "tune",
        "experiment",
        "algorithm",
        "objective",
        "trials",
        "best",
        title=f"{len(rows)} tune(s)",
    )
    for r in rows:
        t.add_row(
            r["id"],
            r["experiment"],
            r["algorithm"],
            ", ".join(r["objectives"]),
            f"{r['finished']}/{r['trials']}",
            f"{r['best'][0]:.6g}" if r["best"] else "-",
        )
    out.print(t)
    return 0


def plot_tune(repo: Any, tune_id: str, output: Path) -> Path:
    """Objective over trials (with the best so far) and each decision's effect, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from graftlab.hyper.objectives import Objective
    from graftlab.tuning.driver import best_trials
    from graftlab.tuning.store import read_trials, resolve_tune

    rec = resolve_tune(repo.git, tune_id)
    rows = [(r, v) for r, v in best_trials(rec, read_trials(repo.git, rec.id)) if v is not None]
    if not rows:
        raise GraftError(f"tune {rec.id} has no successful trial to plot")
    obj = Objective.parse(rec.objectives[0])
    rows.sort(key=lambda rv: rv[0].trial or 0)
    xs = [r.trial for r, _ in rows]
    ys = [v[0] for _, v in rows]
    best, acc = [], None
    for y in ys:
        acc = y if acc is None or obj.score(y) > obj.score(acc) else acc
        best.append(acc)
    names = [d["name"] for d in rec.space.get("decisions", [])][:6]
    fig, axes = plt.subplots(1, 1 + len(names), figsize=(4 * (1 + len(names)), 3.5), squeeze=False)
    ax = axes[0][0]
    ax.scatter(xs, ys, s=12, label="trial")
    ax.step(xs, best, where="post", color="C1", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(str(obj))
    ax.legend()
    for ax, name in zip(axes[0][1:], names, strict=False):
        pts = [
            ((r.decisions or {}).get(name), v[0]) for r, v in rows if name in (r.decisions or {})
        ]
        xv = [p[0] if not isinstance(p[0], list) else str(p[0]) for p in pts]
        ax.scatter(xv, [p[1] for p in pts], s=12)
        ax.set_xlabel(name)
    fig.suptitle(f"{rec.id} ({rec.experiment}, {rec.algorithm})")
    fig.tight_layout()
    fig.savefig(output, dpi=90)
    plt.close(fig)
    return output

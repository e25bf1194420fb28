"""``graft demo``: the main job on built-in defaults.

Lays down an experiment repository from the template in a new directory, trains the
baseline CNN on scikit-learn's digits and two experiments derived from it through patch
rules, records the three runs in git, and prints their metrics side by side and the
semantic diff between them (with the patch that set each value). About a minute on 2 CPU
cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.table import Table

from graftlab.cli.output import console as out_console
from graftlab.cli.output import duration
from graftlab.patching.provenance import provenance
from graftlab.repo.init import init_repo
from graftlab.repo.layout import Repo
from graftlab.symbolic.diff import diff
from graftlab.symbolic.errors import GraftError
from graftlab.symbolic.formatting import format_value
from graftlab.symbolic.nodes import get

EXPERIMENTS = ("baseline", "wide", "fast_lr")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="the main job: a new repository, three training runs, metrics and semantic diffs",
        description="Create an experiment repository from the template, train the baseline CNN on "
        "digits and two derived experiments (recorded as runs in git), and print their metrics "
        "side by side and the semantic diff between them.\n\nExamples:\n  graft demo\n"
        "  graft demo --dir my-demo --steps 100",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--dir", type=Path, default=None, help="where to create the repository (must not exist)"
    )
    p.add_argument(
        "--steps", type=int, default=None, help="override the training steps of every run"
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = out_console()
    start = time.perf_counter()
    dest = args.dir or Path(tempfile.mkdtemp(prefix="graft-demo-")) / "experiments-repo"
    console.rule("[bold]1. a new experiment repository")
    init_repo(dest, "demo")
    repo = Repo(dest)
    lineage = repo.lineage()
    console.print(
        f"created [bold]{dest}[/] with experiments: "
        + ", ".join(
            f"{n}" + (f" (derived from {lineage[n]})" if lineage.get(n) else "")
            for n in repo.experiment_names()
        )
    )

    console.rule("[bold]2. train the baseline and two derived experiments")
    overrides = [f"trainer.steps={args.steps}"] if args.steps else []
    records = []
    for name in EXPERIMENTS:
        console.print(f"[bold]graft run {name}[/]")
        rec = repo.run(name, overrides, show_progress=not args.no_progress and console.is_terminal)
        if rec.status != "succeeded":
            err = rec.error or {}
            raise GraftError(f"run of {name} failed: {err.get('type')}: {err.get('message')}")
        records.append(rec)

    console.rule("[bold]3. metrics side by side")
    table = Table("experiment", "base", "eval accuracy", "eval loss", "steps", "duration", "run")
    for name, rec in zip(EXPERIMENTS, records, strict=True):
        m = dict(rec.metrics)
        try:
            m["step"] = args.steps or get(repo.load(name), "trainer.steps")
        except GraftError:
            pass
        table.add_row(
            name,
            lineage.get(name) or "-",
            f"{m.get('eval_accuracy', float('nan')):.4f}",
            f"{m.get('eval_loss', float('nan')):.4f}",
            str(int(m.get("step", 0))) if "step" in m else "-",
            duration(rec.duration),
            rec.id,
        )
    console.print(table)

    console.rule("[bold]4. semantic diff: what each derived experiment changes")
    base = repo.load("baseline")
    for name in EXPERIMENTS[1:]:
        other = repo.load(name)
        console.print(f"[bold]baseline → {name}[/]")
        for e in diff(base, other):
            prov = provenance(other, e.right_path) if e.right_path is not None else None
            old = "" if e.kind == "added" else format_value(e.old, compact=True)
            new = "" if e.kind == "removed" else format_value(e.new, compact=True)
            by = f"  [dim](set by {prov.uri})[/]" if prov else ""
            console.print(f"  [yellow]~[/] {e.path}: {old} → {new}{by}")
    console.print(
        f"\ndone in {time.perf_counter() - start:.0f} s. Try: cd {dest} && graft runs && graft compare "
        f"{records[0].id} {records[1].id}"
    )
    return 0

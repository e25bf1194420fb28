"""Repository commands: ``graft ls``, ``graft lineage``, ``graft run``, ``graft runs``,
``graft compare``, ``graft push`` and ``graft pull``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.tree import Tree

from graftlab.cli.commands import command
from graftlab.cli.output import ago, console, duration, metrics_text, table
from graftlab.repo import records
from graftlab.repo.layout import Repo
from graftlab.symbolic.errors import GraftError


def add_parser(sub: Any) -> None:
    add_init_parser(sub)
    add_plot_parser(sub)
    p = command(
        sub,
        "ls",
        cmd_ls,
        help="list experiments with base, chain length and last run status",
        description="List the repository's experiments.\n\nExamples:\n  graft ls\n  graft ls --json",
    )
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command(
        sub,
        "lineage",
        cmd_lineage,
        help="show the base -> derived tree of experiments",
        description="Show which experiments derive from which.\n\nExamples:\n  graft lineage\n"
        "  graft lineage baseline",
    )
    p.add_argument("name", nargs="?", help="show only this experiment's ancestors and descendants")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command(
        sub,
        "run",
        cmd_run,
        help="run an experiment and record the run in git",
        description="Run an experiment and record it under refs/graft/runs/<id>: the materialized "
        "experiment, source commit, dirty diff, environment, metrics, log and status.\n\n"
        "Examples:\n  graft run baseline\n  graft run wide optimizer.learning_rate=0.01\n"
        "  graft run --resume 20261123-0521",
    )
    p.add_argument("name", nargs="?", help="experiment name or file")
    p.add_argument("overrides", nargs="*", help="KEY.PATH=VALUE edits applied before running")
    p.add_argument("--seed", type=int, default=None, help="random seed for the run")
    p.add_argument(
        "--resume", metavar="RUN", help="continue an interrupted run from its last checkpoint"
    )
    p.add_argument(
        "--accept-changes",
        action="store_true",
        help="with --resume: continue even though the experiment changed since the run "
        "started (the record lists the changes)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="with --resume: take over a run whose lease has not run out yet",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the run record as JSON")
    p.add_argument(
        "--decisions",
        metavar="DECISIONS",
        help="for a search space: the point to run, as JSON, NAME=VALUE;... or @FILE "
        "(graft show NAME --space lists the decisions)",
    )

    p = command(
        sub,
        "runs",
        cmd_runs,
        help="list recorded runs",
        description="List recorded runs, newest first.\n\nExamples:\n  graft runs\n  graft runs baseline --json",
    )
    p.add_argument("name", nargs="?", help="only runs of this experiment")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command(
        sub,
        "compare",
        cmd_compare,
        help="hyperparameter diff and metrics of runs side by side",
        description="Compare runs: the semantic diff of their experiments and their metrics.\n\n"
        "Example:\n  graft compare 20261123-0521 20261123-0530",
    )
    p.add_argument("runs", nargs="+", help="run ids (unique prefixes are enough)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = command(
        sub,
        "gc",
        cmd_gc,
        help="remove run work folders (checkpoints) that are no longer needed",
        description="Remove .git/graft/runs/<id> work folders: those of runs that succeeded or "
        "whose record is gone, and those of failed or interrupted runs older than --older-than "
        "days (they could still be resumed until then). Running runs are never touched.\n\n"
        "Examples:\n  graft gc\n  graft gc --older-than 0 --dry-run",
    )
    p.add_argument(
        "--older-than",
        type=float,
        default=7.0,
        metavar="DAYS",
        help="keep failed/interrupted runs' folders this long (default 7)",
    )
    p.add_argument("--dry-run", action="store_true", help="only list what would be removed")

    for verb in ("push", "pull"):
        p = command(
            sub,
            verb,
            cmd_push if verb == "push" else cmd_pull,
            help=f"{verb} run records (refs/graft/runs/*) {'to' if verb == 'push' else 'from'} a remote",
            description=f"{verb.capitalize()} the run records.\n\nExample:\n  graft {verb} origin",
        )
        p.add_argument("remote", nargs="?", default="origin")


def cmd_ls(args: argparse.Namespace) -> int:
    repo = Repo()
    names = repo.experiment_names()
    status = repo.last_status()
    rows = []
    for n in names:
        info = repo.static(n)
        rows.append(
            {
                "name": n,
                "base": info.base,
                "chain": len(info.patches),
                "last_run": status.get(n),
                **({"error": info.error} if info.error else {}),
            }
        )
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    from graftlab.cli import plain_table

    plain_table.show(
        ("experiment", "base", "chain", "last run"),
        [
            (
                r["name"],
                r["base"] or "-",
                str(r["chain"]) if r["base"] else "-",
                r["last_run"] or "-",
            )
            for r in rows
        ],
        title=f"{len(rows)} experiment(s)",
        colors=[{3: STATUS_COLORS.get(r["last_run"] or "", "")} for r in rows],
    )
    return 0


STATUS_COLORS = {
    "succeeded": "green",
    "failed": "red",
    "running": "yellow",
    "interrupted": "magenta",
}


def cmd_lineage(args: argparse.Namespace) -> int:
    repo = Repo()
    bases = repo.lineage()
    if args.name is not None and args.name not in bases:
        repo.path_of(args.name)  # raises with a suggestion
    children: dict[str | None, list[str]] = {}
    for n, b in bases.items():
        children.setdefault(b if b in bases else None, []).append(n)
    keep: set[str] | None = None
    if args.name:
        keep = {args.name}
        cur = bases.get(args.name)
        while cur and cur not in keep:
            keep.add(cur)
            cur = bases.get(cur)
        stack = [args.name]
        while stack:
            for c in children.get(stack.pop(), []):
                keep.add(c)
                stack.append(c)
    if args.json:
        json.dump(
            {n: b for n, b in bases.items() if keep is None or n in keep}, sys.stdout, indent=2
        )
        sys.stdout.write("\n")
        return 0
    tree = Tree("[bold]experiments[/]")

    def add(node: Tree, name: str, depth: int) -> None:
        branch = node.add(name)
        if depth < 50:
            for c in sorted(children.get(name, [])):
                if keep is None or c in keep:
                    add(branch, c, depth + 1)

    for root in sorted(children.get(None, [])):
        if keep is None or root in keep:
            add(tree, root, 0)
    cycles = lineage_cycles(bases)
    for cycle in cycles:
        if keep is None or keep & set(cycle):
            tree.add(f"[red]cycle:[/] {' -> '.join([*cycle, cycle[0]])}")
    console().print(tree)
    if cycles:
        console(stderr=True).print(
            f"warning: {sum(len(c) for c in cycles)} experiment(s) derive from themselves "
            "through a cycle of bases and cannot be loaded",
            markup=False,
        )
    return 0


def lineage_cycles(bases: dict[str, str | None]) -> list[list[str]]:
    """Every cycle of bases (``a -> b -> a``), each listed once from its smallest name."""
    cycles: list[list[str]] = []
    done: set[str] = set()
    for start in sorted(bases):
        path: list[str] = []
        on_path: dict[str, int] = {}
        cur: str | None = start
        while cur is not None and cur in bases and cur not in done and cur not in on_path:
            on_path[cur] = len(path)
            path.append(cur)
            cur = bases[cur]
        if cur is not None and cur in on_path:
            cycle = path[on_path[cur] :]
            i = cycle.index(min(cycle))
            cycles.append(cycle[i:] + cycle[:i])
        done.update(path)
    return cycles


def cmd_run(args: argparse.Namespace) -> int:
    repo = Repo()
    if not args.name and not args.resume:
        raise GraftError("graft run: name an experiment (graft ls lists them) or --resume RUN")
    name = args.name
    overrides = list(args.overrides)
    if (args.accept_changes or args.force) and not args.resume:
        raise GraftError("graft run: --accept-changes and --force only go with --resume RUN")
    if args.resume and not name:
        rid, _ = records.resolve_run(repo.git, args.resume)
        name = records.read_records(repo.git, [rid])[0].experiment
    err = console(stderr=True)
    show = not args.no_progress and err.is_terminal
    from graftlab.hyper.decisions import parse_decisions

    record = repo.run(
        name,
        overrides,
        decisions=parse_decisions(args.decisions) if args.decisions else None,
        seed=args.seed,
        resume=args.resume,
        accept_changes=args.accept_changes,
        force=args.force,
        show_progress=show,
        log_stream=sys.stderr if not args.json else None,
    )
    if args.json:
        json.dump(record.to_json(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        out = console()
        color = "green" if record.status == "succeeded" else "red"
        out.print(
            f"run [bold]{record.id}[/] {name}: [{color}]{record.status}[/] in {duration(record.duration)}"
        )
        if record.metrics:
            out.print("  " + metrics_text(record.metrics, limit=8))
        if record.error:
            print_error(record.error)
    return 0 if record.status == "succeeded" else 1


def print_error(error: dict[str, Any]) -> None:
    """A failed run's error with the experiment-file position that built the failing object."""
    err = console(stderr=True)
    where = ""
    if error.get("file"):
        where = f"{error['file']}:{error.get('line', '?')}:{error.get('column', '?')}: "
    path = f" (at {error['path']})" if error.get("path") else ""
    uri = f" [written by patch {error['uri']}]" if error.get("uri") else ""
    err.print(
        f"{where}{error.get('type', 'error')}: {error.get('message', '')}{path}{uri}", markup=False
    )


def cmd_runs(args: argparse.Namespace) -> int:
    repo = Repo()
    recs = repo.runs(args.name)
    if args.json:
        json.dump(
            [r.to_json() | {"status": r.effective_status()} for r in recs], sys.stdout, indent=2
        )
        sys.stdout.write("\n")
        return 0
    from graftlab.cli import plain_table

    rows, colors = [], []
    for r in recs:
        st = r.effective_status()
        commit = (r.commit or "-")[:8] + ("+dirty" if r.dirty else "")
        rows.append(
            (
                r.id,
                r.experiment,
                commit,
                st,
                metrics_text(r.metrics),
                duration(r.duration),
                ago(r.started),
            )
        )
        colors.append({3: STATUS_COLORS.get(st, "")})
    plain_table.show(
        ("id", "experiment", "commit", "status", "metrics", "duration", "started"),
        rows,
        title=f"{len(recs)} run(s)",
        colors=colors,
    )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from graftlab.repo.semantic import entry_json, json_diff, render

    repo = Repo()
    if len(args.runs) < 2:
        raise GraftError("graft compare: give at least two runs")
    resolved = [records.resolve_run(repo.git, r) for r in args.runs]
    recs = [records.read_records(repo.git, [rid])[0] for rid, _ in resolved]
    exps = []
    for _rid, sha in resolved:
        raw = records.read_file(repo.git, sha, "experiment.json")
        exps.append(json.loads(raw) if raw else None)
    diffs = []
    for i in range(1, len(recs)):
        if exps[0] is not None and exps[i] is not None:
            diffs.append(json_diff(exps[0], exps[i]).entries)
        else:
            diffs.append([])
    metric_names = sorted({k for r in recs for k in r.metrics})
    if args.json:
        json.dump(
            {
                "runs": [r.id for r in recs],
                "diffs": [[entry_json(e) for e in d] for d in diffs],
                "metrics": {m: [r.metrics.get(m) for r in recs] for m in metric_names},
            },
            sys.stdout,
            indent=2,
        )
        sys.stdout.write("\n")
        return 0
    out = console()
    t = table(out, "", *[f"{r.id}\n{r.experiment}" for r in recs], title="metrics")
    for m in metric_names:
        t.add_row(m, *[f"{r.metrics[m]:.4g}" if m in r.metrics else "-" for r in recs])
    t.add_row("status", *[r.effective_status() for r in recs])
    t.add_row("duration", *[duration(r.duration) for r in recs])
    out.print(t)
    for i, d in enumerate(diffs, 1):
        out.rule(f"hyperparameters: {recs[0].id} → {recs[i].id}")
        if not d:
            out.print("  no difference")
        for e in d:
            sym = {"added": "+", "removed": "-", "changed": "~", "type_changed": "±"}[e.kind]
            old = "" if e.kind == "added" else render(e.old)
            new = "" if e.kind == "removed" else render(e.new)
            out.print(f"  {sym} {e.path}: {old}{' → ' if old and new else ''}{new}", markup=False)
    return 0


def cmd_gc(args: argparse.Namespace) -> int:
    from graftlab.repo.gc import collect

    repo = Repo()
    removed = collect(repo.git, args.older_than, dry_run=args.dry_run)
    out = console()
    for r in removed:
        out.print(
            f"{'would remove' if args.dry_run else 'removed'} {r.run_id} ({r.why}, {r.size / 1e6:.1f} MB)",
            markup=False,
        )
    total = sum(r.size for r in removed) / 1e6
    out.print(
        f"{len(removed)} work folder(s), {total:.1f} MB {'to free' if args.dry_run else 'freed'}"
    )
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    from graftlab.repo.sync import push

    repo = Repo()
    rejected = push(repo.git, args.remote)
    if rejected:
        shown = ", ".join(rejected[:3]) + (", ..." if len(rejected) > 3 else "")
        raise GraftError(
            f"graft push {args.remote}: {len(rejected)} run record(s) changed on {args.remote} "
            f"since your last pull ({shown}); run `graft pull {args.remote}` first, then push again"
        )
    console().print(f"pushed run records to {args.remote}")
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from graftlab.repo.sync import pull

    repo = Repo()
    rep = pull(repo.git, args.remote)
    out = console()
    parts = [
        f"{len(rep.new)} new",
        f"{len(rep.updated)} updated",
        *([f"{len(rep.merged)} merged"] if rep.merged else []),
        *([f"{len(rep.kept)} kept (ours is later)"] if rep.kept else []),
    ]
    out.print(f"pulled run records from {args.remote}: " + ", ".join(parts))
    err = console(stderr=True)
    for rid, mine, theirs in rep.conflicts:
        err.print(
            f"conflict: run {rid} changed on both sides (ours: {mine}, {args.remote}: {theirs}); "
            f"kept ours, theirs is at refs/graft/incoming/{args.remote}/{rid}",
            markup=False,
        )
    return 1 if rep.conflicts else 0


def add_init_parser(sub: Any) -> None:
    p = command(
        sub,
        "init",
        cmd_init,
        help="create a new experiment repository from the template",
        description="Create an experiment repository: graft.toml, experiments/ with a baseline "
        "and derived experiments, patches/, git diff driver, VS Code settings, a review "
        "workflow and a pre-commit hook; then make the first commit.\n\nExample:\n"
        "  graft init my-experiments",
    )
    p.add_argument("dir", help="directory to create (must not exist or be empty)")
    p.add_argument("--name", help="repository name (default: the directory name)")


def cmd_init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from graftlab.repo.init import init_repo

    dest = init_repo(Path(args.dir), args.name)
    console().print(f"created [bold]{dest}[/]\n  cd {args.dir} && graft ls")
    return 0


def add_plot_parser(sub: Any) -> None:
    p = command(
        sub,
        "plot",
        cmd_plot,
        help="draw learning curves of runs to a PNG",
        description="Plot the metrics recorded by runs (metrics.jsonl) against the step.\n\n"
        "Examples:\n  graft plot 20261123-0521 20261123-0530 -o curves.png\n"
        "  graft plot $(graft runs --json | jq -r '.[].id') --metric eval_accuracy",
    )
    p.add_argument("runs", nargs="+", help="run ids (unique prefixes are enough)")
    p.add_argument(
        "-o", "--output", default="curves.png", help="the PNG to write (default curves.png)"
    )
    p.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help="plot only this metric (repeat for more; default: every metric)",
    )


def cmd_plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    repo = Repo()
    if len(args.runs) == 1 and args.runs[0].startswith("tune-"):
        from graftlab.cli.tune_cmds import plot_tune

        out_path = Path(args.output if args.output != "curves.png" else f"{args.runs[0]}.png")
        plot_tune(repo, args.runs[0], out_path)
        console().print(f"wrote {out_path}")
        return 0
    curves: dict[str, list[dict[str, Any]]] = {}
    for prefix in args.runs:
        rid, sha = records.resolve_run(repo.git, prefix)
        rec = records.read_records(repo.git, [rid])[0]
        raw = records.read_file(repo.git, sha, "metrics.jsonl") or b""
        rows = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
        if args.metric:
            rows = [
                {"step": r["step"], **{m: r[m] for m in args.metric if m in r}}
                for r in rows
                if any(m in r for m in args.metric)
            ]
        if not rows:
            what = f"metric {', '.join(args.metric)}" if args.metric else "metrics"
            raise GraftError(f"run {rid} recorded no {what}")
        curves[f"{rec.experiment} ({rid})"] = rows
    from graftlab.ml.plot import plot_learning_curves

    out = Path(args.output)
    plot_learning_curves(curves, out)
    console().print(f"wrote {out} ({len(curves)} run(s))")
    return 0

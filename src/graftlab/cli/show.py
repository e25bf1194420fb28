"""``graft show NAME [--materialized]``: an experiment in canonical text."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rich.console import Console
from rich.syntax import Syntax

from graftlab.cli.resolve import experiment_path
from graftlab.io.json_format import to_json
from graftlab.io.loader import load_file
from graftlab.io.writer import dumps
from graftlab.patching.provenance import provenances
from graftlab.symbolic.errors import GraftError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "show",
        help="print an experiment in canonical text (--materialized applies its patch chain)",
        description="Print an experiment in canonical text.\n\nExamples:\n"
        "  graft show baseline\n  graft show wide --materialized\n  graft show experiments/wide.py --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", help="experiment name (under experiments/) or file path")
    p.add_argument(
        "--materialized", action="store_true", help="apply derived experiments' patch chains"
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument(
        "--space", action="store_true", help="list the search space: its size and each decision"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.name.startswith("tune-"):
        from graftlab.cli.tune_cmds import print_tune
        from graftlab.repo.layout import Repo

        return print_tune(Repo(), args.name, as_json=args.json)
    try:
        path = experiment_path(args.name)
    except GraftError:
        shown = _show_run(args)
        if shown is None:
            raise
        return shown
    if getattr(args, "space", False):
        from graftlab.cli.tune_cmds import show_space

        return show_space(path, as_json=args.json)
    loaded = load_file(path, materialize=args.materialized)
    value = loaded.get("experiment")
    if args.json:
        out: dict[str, Any] = {"file": str(path), "experiment": to_json(value)}
        if args.materialized:
            out["provenance"] = {str(p): v.to_json() for p, v in provenances(value).items()}
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    text = dumps(value, docstring=loaded.docstring)
    console = Console(highlight=False)
    if console.is_terminal:
        console.print(Syntax(text, "python", theme="ansi_dark", background_color="default"))
    else:
        sys.stdout.write(text)
    if args.materialized:
        written = provenances(value)
        if written:
            console.print(f"[dim]# {len(written)} value(s) written by the patch chain:[/]")
            for p, prov in written.items():
                console.print(f"[dim]#   {p or '<root>'}: {prov}[/]", soft_wrap=True)
    return 0


def _show_run(args: argparse.Namespace) -> int | None:
    """``graft show RUN``: a run record (``None`` if ``args.name`` is no run id)."""
    from graftlab.cli.output import console, duration, metrics_text
    from graftlab.cli.repo_cmds import print_error
    from graftlab.repo import records
    from graftlab.repo.layout import Repo, RepoError

    try:
        repo = Repo()
        rid, sha = records.resolve_run(repo.git, args.name)
    except (RepoError, GraftError):
        return None
    rec = records.read_records(repo.git, [rid])[0]
    text = records.read_file(repo.git, sha, "experiment.py")
    if args.json:
        out = rec.to_json() | {"status": rec.effective_status()}
        raw = records.read_file(repo.git, sha, "experiment.json")
        if raw:
            out["experiment_json"] = json.loads(raw)
        json.dump(out, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    out_c = console()
    out_c.print(f"[bold]run {rec.id}[/]: {rec.experiment} ({rec.file})")
    out_c.print(f"  status: {rec.effective_status()}   duration: {duration(rec.duration)}")
    out_c.print(
        f"  commit: {rec.commit or '-'}{' (dirty tree: the diff is in the record)' if rec.dirty else ''}"
    )
    if rec.overrides:
        out_c.print("  overrides: " + " ".join(rec.overrides), markup=False)
    if rec.metrics:
        out_c.print("  metrics: " + metrics_text(rec.metrics, limit=20), markup=False)
    env = rec.env
    out_c.print(
        f"  python {env.get('python', '?')} on {env.get('platform', '?')}; devices: {', '.join(env.get('devices', [])) or '-'}",
        markup=False,
    )
    if rec.error:
        print_error(rec.error)
    if text and not args.materialized:
        out_c.rule("materialized experiment")
        sys.stdout.write(text.decode("utf-8"))
    return 0

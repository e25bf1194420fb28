"""Semantic comparison commands: ``graft diff``, ``graft review`` and ``graft textconv``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from graftlab.cli.output import console
from graftlab.repo import records
from graftlab.repo.checkout import WORKTREE, snapshot_rev
from graftlab.repo.layout import Repo
from graftlab.repo.review import compare, print_text, review, to_markdown
from graftlab.symbolic.errors import GraftError

RAW = argparse.RawDescriptionHelpFormatter


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "diff",
        help="semantic diff of two experiments (names, files, REV:path or run ids)",
        description="Compare two experiments: what was written (base, chain, arguments) and what it "
        "materializes to.\n\nExamples:\n  graft diff baseline wide\n  graft diff HEAD~1:experiments/wide.py wide\n"
        "  graft diff 20261123-0521 20261123-0530",
        formatter_class=RAW,
    )
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--format", choices=("text", "md", "json"), default="text")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser(
        "review",
        help="what a change does to every experiment (for pull requests)",
        description="Review a revision range: changed experiment files, changed patch rules, and the "
        "semantic diff of every experiment whose materialized form changes, with the patch that set "
        "each value.\n\nExamples:\n  graft review main..HEAD\n  graft review origin/main..HEAD --format md > review.md\n"
        "  graft review HEAD   (HEAD against the working tree)",
        formatter_class=RAW,
    )
    p.add_argument("range", help="BASE..HEAD, or BASE to compare with the working tree")
    p.add_argument("--format", choices=("text", "md", "json"), default="text")
    p.add_argument("--output", "-o", type=Path, help="write to a file instead of standard output")
    p.add_argument(
        "--max-chars",
        type=int,
        metavar="N",
        help="with --format md: shorten to at most N characters (summary first; GitHub "
        "comments hold 65536)",
    )
    p.add_argument(
        "--full-output",
        type=Path,
        metavar="FILE",
        help="with --max-chars: also write the whole review here (for a job summary or artifact)",
    )
    p.set_defaults(func=cmd_review)

    p = sub.add_parser(
        "textconv",
        help="git diff driver: an experiment file as canonical text",
        description="Print an experiment file in canonical form, for git's diff driver:\n"
        "  git config diff.graft.textconv 'graft textconv'\n  (and `*.py diff=graft` for "
        "experiments in .gitattributes)\n\nExample:\n  graft textconv experiments/wide.py",
        formatter_class=RAW,
    )
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_textconv)


def _side(repo: Repo, spec: str) -> tuple[str, dict[str, Any]]:
    """A label and a snapshot entry for one side of ``graft diff``."""
    if ":" in spec and not Path(spec).exists():
        rev, path = spec.split(":", 1)
        name = repo.name_of(repo.root / path) if path.endswith(".py") else path
        snap = snapshot_rev(repo.git, repo.root, rev, [name])
        if name not in snap["experiments"]:
            raise GraftError(f"{spec}: no experiment {name!r} at {rev}")
        return spec, snap["experiments"][name]
    try:
        path = repo.path_of(spec)
    except GraftError:
        try:
            rid, sha = records.resolve_run(repo.git, spec)
        except GraftError:
            raise GraftError(
                f"{spec!r} is neither an experiment, a file, REV:path nor a run id"
            ) from None
        return _run_side(repo, rid, sha)
    name = repo.name_of(path)
    snap = snapshot_rev(repo.git, repo.root, WORKTREE, [name])
    return name, snap["experiments"][name]


def _run_side(repo: Repo, rid: str, sha: str) -> tuple[str, dict[str, Any]]:
    raw = records.read_file(repo.git, sha, "experiment.json")
    if raw is None:
        raise GraftError(f"run {rid} has no materialized experiment")
    return f"run {rid}", {"materialized": json.loads(raw)}


def cmd_diff(args: argparse.Namespace) -> int:
    repo = Repo()
    la, a = _side(repo, args.a)
    lb, b = _side(repo, args.b)
    for label, side in ((la, a), (lb, b)):
        if "error" in side and "materialized" not in side:
            raise GraftError(f"{label} does not load: {side['error'].get('message')}")
    snap_a = {"experiments": {"x": a}, "rules": {}}
    snap_b = {"experiments": {"x": b}, "rules": {}}
    rv = compare(snap_a, snap_b, [], la, lb)
    if args.format == "json":
        json.dump([e.to_json() for e in rv.experiments], sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.format == "md":
        for e in rv.experiments:
            e.name = f"{la} → {lb}"
        sys.stdout.write(to_markdown(rv))
    else:
        if not rv.experiments:
            console().print(f"{la} and {lb} are the same")
        for e in rv.experiments:
            e.name = f"{la} → {lb}"
            e.status = "diff"
        print_text(rv, console(), title="graft diff") if rv.experiments else None
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    if (args.max_chars is not None or args.full_output is not None) and args.format != "md":
        raise GraftError("graft review: --max-chars and --full-output go with --format md")
    repo = Repo()
    err = console(stderr=True)
    if err.is_terminal:  # a line, not a spinner: a spinner's thread would stop the fork
        err.print("[dim]materializing experiments at both revisions...[/]")
    rv = review(repo, args.range, fork=True)
    if args.format == "json":
        text = json.dumps(rv.to_json(), indent=2) + "\n"
    elif args.format == "md":
        text = to_markdown(
            rv,
            max_chars=args.max_chars,
            more="the job summary and the graft-review artifact" if args.full_output else "",
        )
        if args.full_output is not None:
            args.full_output.write_text(to_markdown(rv), encoding="utf-8")
    else:
        if args.output is None:
            print_text(rv, console())
            return 0
        from io import StringIO

        from rich.console import Console

        buf = StringIO()
        print_text(rv, Console(file=buf, width=120, highlight=False))
        text = buf.getvalue()
    if args.output is not None:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_textconv(args: argparse.Namespace) -> int:
    from graftlab.io.errors import FormatError
    from graftlab.io.fmt import format_text
    from graftlab.io.syntax import decode

    data = args.file.read_bytes()
    try:
        text = decode(data, str(args.file))
        out = format_text(text, file=str(args.file), base_dir=Path.cwd())
    except (FormatError, OSError):
        sys.stdout.buffer.write(data)  # not loadable here: show it as it is
        return 0
    sys.stdout.write(out)
    return 0

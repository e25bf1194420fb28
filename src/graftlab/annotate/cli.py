"""The ``graft annotate`` command line.

``add_parser(subparsers)`` registers the sub-command on the ``graft`` parser and ``run(args)``
executes it; ``main(argv)`` is the standalone entry point (``python -m graftlab.annotate``).
Exit codes: 0 success, 1 ``--check`` found files to change (or files with errors), 2 usage
error (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console

if TYPE_CHECKING:
    from graftlab.annotate import runner
    from graftlab.annotate.report import Report
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from graftlab.annotate.errors import AnnotateError, UsageError
from graftlab.annotate.selection import (
    ALL_CATEGORIES,
    AnnotateConfig,
    find_config_file,
    load_config,
    make_config,
)

DESCRIPTION = (
    "Insert @symbolize (and its import) on the classes and factory functions that take "
    "hyperparameters. Every other byte is preserved and a second run changes nothing."
)
EXIT_OK, EXIT_CHANGES, EXIT_USAGE = 0, 1, 2


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories")
    parser.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the files that would change",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "-j", "--jobs", type=int, default=None, metavar="N", help="worker processes (default: CPUs)"
    )
    parser.add_argument(
        "--select",
        action="append",
        metavar="CATS",
        help=f"categories to annotate, comma-separated: {', '.join(ALL_CATEGORIES)}, all "
        "(default: classes,dataclasses,flax)",
    )
    parser.add_argument(
        "--extend-select", action="append", metavar="CATS", help="add categories to the selection"
    )
    parser.add_argument(
        "--include", action="append", metavar="GLOB", help="only annotate names matching GLOB"
    )
    parser.add_argument(
        "--exclude", action="append", metavar="GLOB", help="never annotate names matching GLOB"
    )
    parser.add_argument(
        "--exclude-path", action="append", metavar="GLOB", help="skip files matching GLOB"
    )
    parser.add_argument(
        "--factory-pattern",
        action="append",
        metavar="GLOB",
        help="function-name pattern of factories (default: make_* build_* create_*)",
    )
    parser.add_argument("--config", metavar="FILE", help="graft.toml to read [annotate] from")
    parser.add_argument("--no-config", action="store_true", help="ignore graft.toml")
    parser.add_argument(
        "--external",
        metavar="PACKAGE",
        help="generate a module that symbolizes PACKAGE's classes from the outside",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="output file of --external")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list every annotation and skip"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary table")
    parser.add_argument(
        "--roles",
        action="store_true",
        help="propose the roles classes play (conv, norm, ...): roles= on @symbolize, "
        "or a [roles.classes] table with --roles-config",
    )
    parser.add_argument(
        "--roles-config",
        metavar="FILE",
        help="with --roles: write the proposals as TOML for graft.toml ('-': stdout), "
        "not into the code",
    )


def add_parser(subparsers: Any) -> None:
    """Register ``annotate`` on the ``graft`` command's sub-parsers (``run`` is its handler)."""
    parser = subparsers.add_parser(
        "annotate", help="insert @symbolize into existing code", description=DESCRIPTION
    )
    _configure(parser)
    parser.set_defaults(handler=run)


def _config_from_args(args: argparse.Namespace) -> AnnotateConfig:
    file_values: dict[str, Any] = {}
    if not args.no_config:
        if args.config:
            path = Path(args.config)
            if not path.is_file():
                raise UsageError(f"no such config file: {args.config}")
        else:
            start = Path(args.paths[0]) if args.paths else Path.cwd()
            if start.is_file():
                start = start.parent
            path = find_config_file(start if start.exists() else Path.cwd())
        file_values = load_config(path)
    return make_config(
        file_values,
        select=args.select,
        extend_select=args.extend_select,
        include=args.include,
        exclude=args.exclude,
        factory_patterns=args.factory_pattern,
        exclude_paths=args.exclude_path,
    )


def run(args: argparse.Namespace) -> int:
    """Execute ``graft annotate`` with parsed arguments; return the exit code."""
    err = Console(stderr=True, highlight=False)
    try:
        if args.jobs is not None and args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if args.roles or args.roles_config:
            from graftlab.annotate.roles_cli import run_roles

            return run_roles(args, err)
        config = _config_from_args(args)
        if args.external:
            return _run_external(args, config, err)
        if args.output:
            raise UsageError("--output is only used with --external")
        if not args.paths:
            raise UsageError("give at least one PATH (or --external PACKAGE)")
        return _run_files(args, config, err)
    except UsageError as exc:
        print(f"graft annotate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("graft annotate: interrupted", file=sys.stderr)
        return 130


def _run_files(args: argparse.Namespace, config: AnnotateConfig, err: Console) -> int:
    from graftlab.annotate import runner

    mode: runner.Mode = "diff" if args.diff else "check" if args.check else "write"
    show_progress = runner.stderr_is_tty() and not args.json and not args.quiet
    if show_progress:
        with Progress(
            TextColumn("annotating"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("annotate", total=None)

            def tick(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = runner.run(args.paths, config, mode, args.jobs, tick)
    else:
        report = runner.run(args.paths, config, mode, args.jobs)
    _print_report(report, args, err)
    failed = bool(report.changed or report.errors)
    return EXIT_CHANGES if args.check and failed else EXIT_OK


def _print_report(report: Report, args: argparse.Namespace, err: Console) -> None:
    from graftlab.annotate.report import print_details, summary_table

    if args.json:
        sys.stdout.write(report.to_json() + "\n")
        return
    if args.diff:
        for result in report.files:
            if result.diff:
                sys.stdout.write(result.diff)
    if args.check:
        for result in report.changed:
            print(f"would annotate {result.path}")
    print_details(report, err, args.verbose)
    if not args.quiet:
        err.print(summary_table(report))


def _run_external(args: argparse.Namespace, config: AnnotateConfig, err: Console) -> int:
    from graftlab.annotate import external, runner
    from graftlab.annotate.report import Report, print_details

    if args.paths:
        raise UsageError("--external takes a package name, not paths")
    if not args.output and not (args.diff or args.check or args.json):
        raise UsageError("--external needs --output FILE.py")
    result = external.generate(args.external, config)
    old: str | None = None
    if args.output and os.path.exists(args.output):
        with open(args.output, encoding="utf-8", newline="") as handle:
            old = handle.read()
    changed = old != result.code
    report = Report(result.files, 0.0, "check" if args.check else "diff" if args.diff else "write")
    if args.json:
        payload = {**report.to_dict(), "external": args.external, "code": result.code}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    elif args.diff:
        target = args.output or f"{args.external}_symbolic.py"
        sys.stdout.write(runner.unified_diff(target, (old or "").encode(), result.code.encode()))
    if args.output and not args.diff and not args.check and changed:
        runner.atomic_write(args.output, result.code.encode("utf-8"))
    if not args.json:
        print_details(report, err, args.verbose)
        if args.check and changed:
            print(f"would write {args.output}")
        if not args.quiet:
            err.print(
                f"{len(result.entries)} names from {len(result.files)} modules of "
                f"{args.external}" + (f" -> {args.output}" if args.output else "")
            )
    return EXIT_CHANGES if args.check and (changed or report.errors) else EXIT_OK


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        print(f"graft annotate: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The standalone parser used by :func:`main`."""
    parser = _Parser(prog="graft annotate", description=DESCRIPTION)
    _configure(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry point: ``python -m graftlab.annotate PATH...``."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except AnnotateError as exc:  # pragma: no cover - defensive: errors are per file
        print(f"graft annotate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

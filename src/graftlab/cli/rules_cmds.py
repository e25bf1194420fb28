"""``graft rules new NAME``: scaffold a rule package (see ``graftlab.patching.scaffold``)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from graftlab.patching.scaffold import scaffold


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "rules",
        help="rule packages: scaffold one (graft rules new NAME)",
        description="Rule packages publish rules through the 'graftlab.patches' entry point.\n\n"
        "Examples:\n  graft rules new team_b\n  graft rules new team_b --dir packages/team_b",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rsub = p.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    new = rsub.add_parser("new", help="create a rule package (pyproject, a rule, a test)")
    new.add_argument("name", help="the package's namespace (team_b: rules named team_b/...)")
    new.add_argument("--dir", type=Path, help="where to create it (default: ./NAME_rules)")
    new.set_defaults(func=run_new)


def run_new(args: argparse.Namespace) -> int:
    directory = args.dir or Path(f"{args.name}_rules")
    files = scaffold(args.name, directory)
    console = Console(highlight=False)
    console.print(f"created the rule package {args.name!r} in {directory}:")
    for f in files:
        console.print(f"  {f.relative_to(directory).as_posix()}")
    console.print(
        f"next: pip install -e {directory} && pytest {directory / 'tests'} && "
        f"graft patches --package {args.name.replace('_', '-')}-rules"
    )
    return 0

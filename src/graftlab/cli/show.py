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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = experiment_path(args.name)
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

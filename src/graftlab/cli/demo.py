"""``graft demo``: a short tour of the symbolic core on an experiment-like tree.

Builds a small model description, edits it by key path, diffs the two versions, and
round-trips it through JSON, printing each step. Later milestones replace this with
training runs.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table

import graftlab as gl
from graftlab.cli import demo_components as dc


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="a short tour: build, edit, diff, save and load an experiment",
        description="Build an experiment-like tree, edit it, diff it, save and load it.\n\n"
        "Example:\n  graft demo --layers 4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--layers", type=int, default=3, help="number of conv layers (default 3)")
    p.add_argument("--out", type=Path, default=None, help="directory for the saved files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = Console(highlight=False)
    base = dc.make_experiment(args.layers)
    console.rule("[bold]1. an experiment is a tree of symbolic objects")
    console.print(Syntax(gl.format(base, width=80), "python", theme="ansi_dark"))

    console.rule("[bold]2. edit it by key path, by keyword, and by a rule")
    wide = gl.clone(base)
    wide.rebind({"model.layers[0].features": 64, "optimizer.learning_rate": 3e-4})
    wide.rebind(
        lambda path, value, parent: (
            dc.Conv(**{**value.sym_init_args, "features": value.sym_init_args["features"] * 2})
            if isinstance(value, dc.Conv)
            else value
        )
    )
    console.print(
        Syntax(gl.format(wide, width=80, hide_defaults=True), "python", theme="ansi_dark")
    )

    console.rule("[bold]3. query and diff")
    table = Table("key path", "Conv")
    for path, conv in gl.query(wide, dc.Conv).items():
        table.add_row(str(path), gl.format(conv, compact=True))
    console.print(table)
    d = gl.diff(base, wide)
    diff_table = Table("", "key path", "before", "after")
    for e in d:
        diff_table.add_row(
            {
                "added": "[green]+",
                "removed": "[red]-",
                "changed": "[yellow]~",
                "type_changed": "[magenta]±",
            }[e.kind],
            str(e.path),
            "" if e.kind == "added" else gl.format(e.old, compact=True),
            "" if e.kind == "removed" else gl.format(e.new, compact=True),
        )
    console.print(diff_table)

    console.rule("[bold]4. save and load")
    out = args.out or Path(tempfile.mkdtemp(prefix="graft-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    path = out / "wide.json"
    path.write_text(json.dumps(gl.to_json(wide), indent=2) + "\n")
    loaded = gl.from_json_str(path.read_text())
    same = gl.eq(loaded, wide)
    console.print(
        f"saved [bold]{path}[/] ({path.stat().st_size} bytes); loaded back equal: "
        f"{'[green]yes' if same else '[red]no'}"
    )
    return 0 if same else 1

"""Search-space and tuning commands: ``graft show NAME --space``, ``graft tune``,
``graft tunes``, ``graft show TUNE`` and ``graft plot TUNE``."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from graftlab.cli.output import console, table

RAW = argparse.RawDescriptionHelpFormatter


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

"""Run every benchmark (``benchmarks/bench_*.py``) and print each table with its ratios.

Usage: ``python benchmarks/run.py [--quick] [NAME ...]`` where NAME picks benchmarks by
substring (``core``, ``format``, ``annotate``...). ``GRAFT_BENCH_OUT=DIR`` also writes JSON.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from _report import print_rows
from rich.console import Console


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("-")]
    console = Console(width=max(150, Console().width))
    mods = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    for name in mods:
        if wanted and not any(w in name for w in wanted):
            continue
        mod = importlib.import_module(name)
        t0 = time.perf_counter()
        rows = mod.run(quick=quick)
        printer = getattr(mod, "print_report", print_rows)  # a module may print its own tables
        printer(getattr(mod, "TITLE", name), rows, console)
        console.print(f"[dim]{name}: {time.perf_counter() - t0:.1f} s[/]\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

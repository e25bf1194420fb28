"""Patching: a registered rule applied by URI swaps all 1,000 Convs of the 10,000-node tree.

PyGlove applies its URI patches in place (``pg.patch``); Fiddle has no rule registry, so
its column is the same swap written as a traversal over a copy. graftlab is timed both in
place (like PyGlove) and returning a new tree (``gl.patch``'s default).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

from _timing import median_time

import graftlab as gl

sys.path.insert(0, str(Path(__file__).parent))
import bench_core

TITLE = "patching: swap every Conv by URI (1,000 layers, ~11k nodes)"
TARGET = 0.020


def run(quick: bool = False) -> list[dict[str, Any]]:
    n = bench_core.N_LAYERS
    rows: list[dict[str, Any]] = []
    trees = [bench_core.g_tree(n) for _ in range(7)]
    it = iter(trees)
    inplace = median_time(lambda: gl.patch(next(it), "bench/swap_conv", inplace=True), repeat=7)
    tree = bench_core.g_tree(n)
    copy = median_time(lambda: gl.patch(tree, "bench/swap_conv"))
    out = gl.patch(tree, "bench/swap_conv")
    assert len(gl.query(out, bench_core.GSepConv)) == n
    pg_time = _pyglove(n)
    f_time = _fiddle(n)
    rows.append(
        {
            "case": "patch by URI, in place",
            "graftlab": inplace,
            "pyglove": pg_time,
            "fiddle": f_time,
            "target": TARGET,
        }
    )
    rows.append(
        {
            "case": "patch by URI, new tree",
            "graftlab": copy,
            "pyglove": None,
            "fiddle": f_time,
            "target": None,
        }
    )
    return rows


def _fiddle(n: int) -> Any:
    try:
        import fiddle as fdl
    except ImportError:
        return None
    _ = fdl

    def replace() -> None:
        bench_core._fiddle_swap_conv(copy.deepcopy(tree))

    tree = bench_core.f_tree(n)
    return median_time(replace, budget=10)


def _pyglove(n: int) -> Any:
    try:
        import pyglove as pg
    except ImportError:
        return None
    P = bench_core._pyglove_classes(pg)
    trees = [P["tree"](n) for _ in range(3)]
    it = iter(trees)
    return median_time(lambda: pg.patch(next(it), ["bench_swap_conv"]), repeat=3, budget=10)


def main() -> None:
    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()

"""The text format: load and dump of the core benchmark's 10,000-node tree as a file.

PyGlove and Fiddle have no text format of this kind; their nearest operation (JSON load
and dump of the same tree) is shown for reference.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from _timing import median_time

import graftlab as gl

sys.path.insert(0, str(Path(__file__).parent))
import bench_core

TITLE = "format: experiment text of the 1,000-layer tree (reference: the anchors' JSON)"
TARGETS = {"load (text)": 0.150, "dump (text)": 0.060}


def run(quick: bool = False) -> list[dict[str, Any]]:
    tree = bench_core.g_tree(bench_core.N_LAYERS)
    text = gl.dumps(tree)
    allowed = ["bench_core"]
    assert gl.eq(gl.loads(text, allowed_modules=allowed), tree)
    rows: list[dict[str, Any]] = [
        {
            "case": "dump (text)",
            "graftlab": median_time(lambda: gl.dumps(tree)),
            "target": TARGETS["dump (text)"],
            "lines": str(text.count("\n")),
        },
        {
            "case": "load (text)",
            "graftlab": median_time(lambda: gl.loads(text, allowed_modules=allowed)),
            "target": TARGETS["load (text)"],
            "lines": str(text.count("\n")),
        },
    ]
    try:
        import pyglove  # noqa: F401
    except ImportError:
        pass
    else:
        n = bench_core.N_LAYERS
        dump = bench_core.pyglove_cases(n, "to_json + dumps")
        load = bench_core.pyglove_cases(n, "loads + from_json")
        rows[0]["pyglove"] = median_time(lambda: dump.run(None), budget=5)
        rows[1]["pyglove"] = median_time(lambda: load.run(None), budget=5)
    _ = json
    return rows


def main() -> None:
    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()

"""Benchmark: ``graft annotate``'s codemod against libcst's own parse + regenerate.

Copies the sources of installed pure-Python packages (fiddle, pyglove, rich, hypothesis) into a
temporary directory, then times, in-process on one core with no I/O in the timed part:

* the anchor: ``libcst.parse_module(src).code`` over every file;
* graftlab: :func:`graftlab.annotate.annotate_source` over the same files (which parses,
  decides, rewrites and regenerates the files that change).

Target: the codemod costs at most 1.5x the anchor. Run ``python benchmarks/bench_annotate.py``
(``--quick`` for a subset); a shared runner calls :func:`run`.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_SRC = Path(__file__).resolve().parent.parent / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

import libcst  # noqa: E402

from graftlab.annotate import AnnotateConfig, annotate_source  # noqa: E402

PACKAGES = ("fiddle", "pyglove", "rich", "hypothesis")
TARGET = 1.5


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _load_sources(quick: bool) -> list[bytes]:
    """Copy the packages into a temp dir and read every ``.py`` file back as bytes."""
    sources: list[bytes] = []
    with tempfile.TemporaryDirectory(prefix="bench-annotate-") as tmp:
        for name in PACKAGES[:2] if quick else PACKAGES:
            root = _package_dir(name)
            if root is None:
                continue
            shutil.copytree(root, Path(tmp) / name, ignore=shutil.ignore_patterns("__pycache__"))
        files = sorted(Path(tmp).rglob("*.py"))
        if quick:
            files = files[:120]
        sources = [f.read_bytes() for f in files]
    return sources


def _time(fn: Any, sources: list[bytes], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for src in sources:
            fn(src)
        best = min(best, time.perf_counter() - start)
    return best


def _anchor(src: bytes) -> None:
    _ = libcst.parse_module(src).code


def _row(case: str, sources: list[bytes], config: AnnotateConfig, repeat: int) -> dict[str, Any]:
    lines = sum(s.count(b"\n") for s in sources)

    def ours(src: bytes) -> None:
        annotate_source(src, config)

    anchor = _time(_anchor, sources, repeat)
    graftlab = _time(ours, sources, repeat)
    return {
        "case": f"{case}: {len(sources)} files, {lines:,} lines",
        "graftlab": graftlab,
        "anchor": anchor,
        "ratio": graftlab / anchor,
        "target": TARGET,
        "lines": lines,
        "graftlab_lines_per_s": lines / graftlab,
        "anchor_lines_per_s": lines / anchor,
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Time both sides; return rows ``{case, graftlab, anchor, ratio, target}`` (seconds).

    Two cases: every file of the packages (most files need no change, and unchanged files are
    not regenerated), and only the files that change (every one is rewritten: the worst case).
    """
    sources = _load_sources(quick)
    config = AnnotateConfig(select=frozenset({"classes", "dataclasses", "flax", "functions"}))
    changing = [s for s in sources if annotate_source(s, config).changed]
    repeat = 1 if quick else 2
    return [
        _row("all files", sources, config, repeat),
        _row("files that change", changing, config, repeat),
    ]


def main() -> None:
    """Print the results as a rich table."""
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a small subset")
    rows = run(quick=parser.parse_args().quick)
    table = Table(title="graft annotate vs libcst parse_module(src).code (single core)")
    for column in ("case", "graftlab s", "anchor s", "graftlab lines/s", "anchor lines/s"):
        table.add_column(column, justify="left" if column == "case" else "right")
    table.add_column("ratio (target)", justify="right")
    for row in rows:
        ok = row["ratio"] <= row["target"]
        table.add_row(
            row["case"],
            f"{row['graftlab']:.2f}",
            f"{row['anchor']:.2f}",
            f"{row['graftlab_lines_per_s']:,.0f}",
            f"{row['anchor_lines_per_s']:,.0f}",
            f"[{'green' if ok else 'red'}]{row['ratio']:.2f}x[/] (<= {row['target']}x)",
        )
    Console(width=150).print(table)


if __name__ == "__main__":
    main()

"""Printing benchmark rows as a rich table with ratios against the anchors."""

from __future__ import annotations

import json
import os
from typing import Any

from _timing import Measurement, fmt_seconds
from rich.console import Console
from rich.table import Table

ANCHORS = ("pyglove", "fiddle", "dataclass", "anchor")


def _secs(v: Any) -> float | None:
    if isinstance(v, Measurement):
        return v.seconds
    if isinstance(v, (int, float)):
        return float(v)
    return None


def print_rows(title: str, rows: list[dict[str, Any]], console: Console | None = None) -> None:
    """One row per case: each implementation's median, ratios to graftlab, target and verdict."""
    console = console or Console(width=max(150, Console().width))
    impls = [k for k in ("graftlab", *ANCHORS) if any(k in r for r in rows)]
    extra = sorted({k for r in rows for k in r} - {"case", "target", "unit", "unit_fmt", *impls})
    table = Table(title=title, show_lines=False)
    table.add_column("case")
    for name in impls:
        table.add_column(name, justify="right")
    for name in impls[1:]:
        table.add_column(f"{name}/graftlab", justify="right")
    table.add_column("target", justify="right")
    table.add_column("ok", justify="center")
    for col in extra:
        table.add_column(col)
    notes: list[str] = []
    for r in rows:
        g = _secs(r.get("graftlab"))
        cells = [r["case"]]
        for name in impls:
            v = r.get(name)
            text = (
                r.get("unit_fmt", fmt_seconds)(_secs(v))
                if callable(r.get("unit_fmt"))
                else fmt_seconds(_secs(v))
            )
            if isinstance(v, Measurement) and v.note:
                notes.append(f"{r['case']} / {name}: {v.note}")
                text += "*"
            cells.append(text)
        for name in impls[1:]:
            a = _secs(r.get(name))
            cells.append(f"{a / g:.1f}×" if a and g else "-")
        target = r.get("target")
        ratio = r.get("ratio")
        anchors = [_secs(r.get(n)) for n in ("pyglove", "fiddle") if _secs(r.get(n))]
        if isinstance(ratio, (int, float)) and target:
            # A ratio target (graftlab's cost over its anchor's), not a time.
            cells.append(f"<= {target}x")
            ok = ratio <= target
        else:
            fmt = r.get("unit_fmt") if callable(r.get("unit_fmt")) else fmt_seconds
            cells.append(fmt(target) if target else "-")
            ok = (target is None or (g is not None and g <= target)) and all(
                g is not None and g <= a for a in anchors
            )
        cells.append("[green]yes[/]" if ok else "[red]no[/]")
        for col in extra:
            v = r.get(col, "")
            cells.append(f"{v:.4g}" if isinstance(v, float) else str(v))
        table.add_row(*cells)
    console.print(table)
    for n in notes:
        console.print(f"  * {n}")
    out_dir = os.environ.get("GRAFT_BENCH_OUT")
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, title.split(":")[0].strip().replace(" ", "_") + ".json")
        with open(path, "w") as f:
            json.dump(
                [
                    {
                        k: (_secs(v) if isinstance(v, Measurement) else v)
                        for k, v in r.items()
                        if not callable(v)
                    }
                    for r in rows
                ],
                f,
                indent=1,
            )

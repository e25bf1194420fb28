"""Terminal output shared by the commands: rich when a person reads, plain when piped."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported when something is drawn, not when a command starts
    from rich.console import Console
    from rich.table import Table


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    probe = Console(stderr=stderr)
    width = None if probe.is_terminal else max(160, probe.width)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=width)


def table(out: Console, *columns: str, title: str | None = None) -> Table:
    """A table with boxes in a terminal and plain aligned columns when piped."""
    from rich import box
    from rich.table import Table

    return Table(*columns, title=title, box=box.SIMPLE_HEAD if out.is_terminal else box.ASCII2)


def ago(ts: float | None) -> str:
    if not ts:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f}s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def metrics_text(metrics: dict[str, Any], limit: int = 3) -> str:
    keys = sorted(
        metrics, key=lambda k: (k not in ("accuracy", "eval_accuracy", "loss", "eval_loss"), k)
    )
    return ", ".join(f"{k}={metrics[k]:.4g}" for k in keys[:limit])

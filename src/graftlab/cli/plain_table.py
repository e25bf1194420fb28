"""Long listings (``graft ls``, ``graft runs``) as plain aligned columns.

Drawing a rich table costs milliseconds per row (most of ``graft runs`` on 500 runs); these
listings are printed as text columns instead, colored with ANSI codes only on a terminal
(and never with ``NO_COLOR`` set).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TextIO

COLORS = {"green": "32", "red": "31", "yellow": "33", "magenta": "35", "dim": "2", "bold": "1"}


def render(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    colors: Sequence[dict[int, str]] | None = None,
    color: bool = False,
) -> str:
    """The table as text; ``colors[i]`` maps column index to a color name for row ``i``."""
    widths = [len(h) for h in headers]
    for row in rows:
        for k, cell in enumerate(row):
            widths[k] = max(widths[k], len(cell))
    last = len(headers) - 1

    def line(cells: Sequence[str], paint: dict[int, str] | None = None) -> str:
        parts = []
        for k, cell in enumerate(cells):
            text = cell if k == last else cell.ljust(widths[k])
            code = COLORS.get((paint or {}).get(k, ""), "")
            if color and code:
                text = f"\x1b[{code}m{cell}\x1b[0m" + (
                    " " * (widths[k] - len(cell)) if k != last else ""
                )
            parts.append(text)
        return "  ".join(parts).rstrip()

    out = []
    if title:
        out.append(title)
    out.append(line(headers, {k: "bold" for k in range(len(headers))}))
    out.append("  ".join("-" * w for w in widths))
    for i, row in enumerate(rows):
        out.append(line(row, colors[i] if colors else None))
    return "\n".join(out) + "\n"


def show(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    colors: Sequence[dict[int, str]] | None = None,
    stream: TextIO | None = None,
) -> None:
    """Print the table (colored on a terminal unless ``NO_COLOR`` is set)."""
    stream = stream or sys.stdout
    color = stream.isatty() and not os.environ.get("NO_COLOR")
    stream.write(render(headers, rows, title=title, colors=colors, color=color))

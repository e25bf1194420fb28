"""The safe loader on untrusted input: files per second, MB/s of literals, the largest file.

Issue #16 asked for a loader linear in the file, >= 5 MB/s on literals, and limits a file
cannot exceed; these cases show the numbers (a billion-laughs file stops at the node limit).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

from _timing import median_time

import graftlab as gl
from graftlab.io import limits

TITLE = "loader: the repository's experiment files, long literals, name reuse, the limits"
ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def _corpus() -> list[tuple[str, Path]]:
    """The repository's own experiment files (the template's and the docs' examples)."""
    files = sorted((ROOT / "repo_template" / "experiments").glob("*.py"))
    return [(p.read_text(encoding="utf-8"), p) for p in files]


def _floats(size: int) -> str:
    rnd = random.Random(0)
    parts, n = [], 0
    while n < size:
        s = f"{rnd.random():.9f}"
        parts.append(s)
        n += len(s) + 2
    return "x = [" + ", ".join(parts) + "]\n"


def _strings(size: int) -> str:
    parts = [f'"name-{i}"' for i in range(size // 12)]
    return 'x = {"names": [' + ", ".join(parts) + "]}\n"


def _reuse(uses: int) -> str:
    block = "Conv(features=8, kernel_size=3, activation='relu')"
    return (
        "from graftlab.cli.demo_components import Conv\n"
        f"a = [{', '.join([block] * 8)}]\n"
        f"b = [{', '.join(['a'] * uses)}]\n"
    )


def _laughs() -> str:
    lines = ["a0 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    lines += [f"a{i} = [{', '.join([f'a{i - 1}'] * 10)}]" for i in range(1, 12)]
    return "\n".join(lines) + "\n"


def _fails(text: str) -> None:
    try:
        gl.loads_file(text)
    except gl.FormatError:
        return
    raise AssertionError("the file should have been rejected")


def run(quick: bool = False) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    corpus = _corpus()

    def load_corpus() -> None:
        for text, path in corpus:
            gl.loads_file(text, file=str(path), base_dir=path.parent, materialize=False)

    load_corpus()
    t = median_time(load_corpus)
    rows.append(
        {
            "case": f"the template's {len(corpus)} experiment files (parse, check, build)",
            "graftlab": t.per(len(corpus)),
            "rate": f"{len(corpus) / t.seconds:,.0f} files/s",
        }
    )
    size = (2 if quick else 10) * MB
    for label, text in (("floats", _floats(size)), ("strings", _strings(size))):
        t = median_time(lambda text=text: gl.loads_file(text), repeat=3, budget=20)
        mb = len(text.encode()) / MB
        rows.append(
            {
                "case": f"a {mb:.0f} MB literal list of {label}",
                "graftlab": t,
                "target": mb / 5,  # >= 5 MB/s
                "rate": f"{mb / t.seconds:.1f} MB/s",
            }
        )
    largest = int(limits.MAX_BYTES * 0.98) if not quick else 8 * MB
    text = _floats(largest)
    assert len(text.encode()) <= limits.MAX_BYTES
    t = median_time(lambda: gl.loads_file(text), repeat=1, budget=60)
    rows.append(
        {
            "case": f"the largest accepted file: {len(text.encode()) / MB:.1f} MB of floats",
            "graftlab": t,
            "target": limits.MAX_BYTES / MB / 5,
            "rate": f"{len(text.encode()) / MB / t.seconds:.1f} MB/s",
        }
    )
    del text
    for uses in (320, 640) if quick else (320, 640, 1280):
        text = _reuse(uses)
        t = median_time(lambda text=text: gl.loads_file(text), repeat=3)
        rows.append(
            {
                "case": f"one 8-object name used {uses} times ({len(text) / 1024:.1f} KB)",
                "graftlab": t,
                "rate": f"{uses * 8 / t.seconds:,.0f} objects/s",
            }
        )
    text = _laughs()
    t = median_time(lambda: _fails(text), repeat=1, budget=60)
    rows.append(
        {
            "case": f"billion laughs ({len(text)} bytes): rejected at {limits.MAX_NODES:,} values",
            "graftlab": t,
        }
    )
    return rows


def main() -> None:
    from _report import print_rows

    print_rows(TITLE, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()

"""Regenerate the model-zoo table in docs/annotate.md from real runs (tests/e2e/zoo_driver).

    python scripts/zoo_table.py

Annotates a copy of each installed zoo with ``graft annotate``, probes the sampled models
and writes the table between the markers in docs/annotate.md; tests/e2e/test_zoos.py checks
that each row is still what a run produces.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

import zoo_driver  # noqa: E402


def main() -> None:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for zoo in ("torchvision", "flaxmodels", "keras"):
            results.append(zoo_driver.run_zoo(zoo, Path(tmp) / zoo))
            print(zoo_driver.table_row(results[-1]))
    docs = REPO / "docs" / "annotate.md"
    text = docs.read_text(encoding="utf-8")
    start, end = text.index(zoo_driver.TABLE_START), text.index(zoo_driver.TABLE_END)
    text = text[:start] + zoo_driver.table(results) + text[end + len(zoo_driver.TABLE_END) :]
    docs.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

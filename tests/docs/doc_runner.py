"""Run the ```python blocks of one Markdown file, in order, in one namespace.

Used by ``test_doc_samples.py`` in a fresh process per file, so that one page's examples
(registered rules, imported modules) never affect another's.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


def run(path: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    for i, block in enumerate(blocks(path)):
        if re.search(r"^experiment = ", block, re.M):
            # An experiment file shown as an example: it must load (a derived one needs its
            # base file, so it is checked to be in the format without materializing).
            import graftlab as gl

            loaded = gl.loads_file(
                block, file=f"{path.name}[{i}]", materialize="Derived(" not in block
            )
            assert "experiment" in loaded.values, f"{path.name} block {i}: no experiment"
            continue
        code = compile(block, f"{path.name}[block {i}]", "exec")
        exec(code, namespace)  # the documentation's own examples, not user files


if __name__ == "__main__":
    run(Path(sys.argv[1]))

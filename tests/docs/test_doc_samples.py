"""Every ```python block in README.md and docs/*.md runs, in order, one namespace per file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [p for p in DOCS if _blocks(p)], ids=lambda p: p.name)
def test_python_samples_run(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    for i, block in enumerate(_blocks(path)):
        if re.search(r"^experiment = ", block, re.M):
            # An experiment file shown as an example: it must load (derived ones need their
            # base file, so those are checked to be in the format without materializing).
            import graftlab as gl

            loaded = gl.loads_file(
                block, file=f"{path.name}[{i}]", materialize="Derived(" not in block
            )
            assert "experiment" in loaded.values
            continue
        code = compile(block, f"{path.name}[block {i}]", "exec")
        exec(code, namespace)  # the documentation's own examples, not user files


def test_every_doc_has_been_checked() -> None:
    assert (ROOT / "docs" / "format.md").is_file()
    assert any(_blocks(p) for p in DOCS)

"""Every ```python block in README.md and docs/*.md runs (each file in a fresh process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
sys.path.insert(0, str(HERE))

from doc_runner import blocks  # noqa: E402


@pytest.mark.parametrize("path", [p for p in DOCS if blocks(p)], ids=lambda p: p.name)
def test_python_samples_run(path: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(HERE / "doc_runner.py"), str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,  # the tutorial trains a model and pip-installs a package
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_every_page_is_checked() -> None:
    assert (ROOT / "docs" / "format.md").is_file()
    assert sum(1 for p in DOCS if blocks(p)) >= 6

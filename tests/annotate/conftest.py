"""Shared helpers for the annotate tests (the package may not be pip-installed yet)."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import libcst
import pytest

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))


def only_insertions(before: bytes, after: bytes, *, by_char: bool = False) -> bool:
    """True when ``after`` is ``before`` with lines inserted and nothing else changed.

    With ``by_char``, a replaced run of lines is accepted when the new text is the old text
    with characters inserted (an import merged into an existing line).
    """
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("equal", "insert"):
            continue
        if not by_char or tag != "replace":
            return False
        old, new = b"".join(a[i1:i2]), b"".join(b[j1:j2])
        ops = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        if any(op[0] not in ("equal", "insert") for op in ops):
            return False
    return True


def parses(code: bytes) -> bool:
    """True when libcst parses ``code`` (it accepts syntax newer than this interpreter)."""
    try:
        libcst.parse_module(code)
    except libcst.ParserSyntaxError:
        return False
    return True


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m graftlab.annotate`` in a subprocess with ``src`` on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "graftlab.annotate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def fixtures_dir() -> Path:
    """The directory of fixture files."""
    return FIXTURES

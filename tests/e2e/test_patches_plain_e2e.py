"""``graft patches`` into a pipe: plain lines that never cut a rule's name or help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_patches_in_a_pipe_cut_nothing_at_any_width(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "40", "NO_COLOR": "1", "TERM": "dumb"}
    r = subprocess.run(
        [sys.executable, "-m", "graftlab.cli", "patches", "scale"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "…" not in r.stdout and "..." not in r.stdout
    assert "scale_lr_with_batch_size" in lines  # a whole line: the full name
    i = lines.index("scale_lr_with_batch_size")
    assert lines[i + 1].strip() == "batch_size: int, >= 1 (required)"
    assert "Change the batch size and scale the learning rate linearly with it." in r.stdout

"""``graft plot`` draws the learning curves of recorded runs to a PNG."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))

from graft_toy_repo import graft, make_toy_repo


def test_plot_writes_a_png_of_run_metrics(tmp_path: Path) -> None:
    root = make_toy_repo(tmp_path / "repo")
    ids = []
    for name in ("baseline", "wide"):
        proc = graft(root, "run", name, "--json")
        ids.append(json.loads(proc.stdout)["id"])
    out = tmp_path / "curves.png"
    proc = graft(root, "plot", *ids, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_plot_of_an_unknown_run_is_one_clear_error(tmp_path: Path) -> None:
    root = make_toy_repo(tmp_path / "repo")
    proc = graft(root, "plot", "nope", "-o", str(tmp_path / "x.png"))
    assert proc.returncode == 1
    assert "no run with id 'nope'" in proc.stderr and "Traceback" not in proc.stderr

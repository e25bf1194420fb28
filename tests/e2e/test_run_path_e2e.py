"""``graft run PATH``: any experiment file of the repository runs by its path, from anywhere
inside the repository (the VS Code extension runs files matched by ``graftlab.experimentGlobs``,
which can lie outside the experiments directory, this way)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from graft_toy_repo import BASELINE, BROKEN, derived, git, graft, make_toy_repo


def _json(proc) -> dict:
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def test_run_a_file_outside_the_experiments_directory(tmp_path: Path) -> None:
    root = make_toy_repo(tmp_path / "toy")
    (root / "configs" / "nested").mkdir(parents=True)
    (root / "configs" / "extra.py").write_text(BASELINE)
    (root / "configs" / "nested" / "wide.py").write_text(derived("baseline", "toy/widen?factor=2"))
    (root / "configs" / "bad.py").write_text(BROKEN)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "configs")

    by_abs = _json(graft(root, "run", str(root / "configs" / "extra.py"), "--json"))
    assert by_abs["status"] == "succeeded", by_abs
    assert by_abs["experiment"] == "configs/extra.py"
    # A relative path from a subdirectory, and a derived experiment whose base is by name.
    sub = _json(graft(root / "configs", "run", "nested/wide.py", "--json"))
    assert sub["status"] == "succeeded", sub
    assert sub["experiment"] == "configs/nested/wide.py"
    # A run of such a file fails where its own file says, not as "no experiment named".
    bad = graft(root / "configs" / "nested", "run", str(root / "configs" / "bad.py"), "--json")
    rec = _json(bad)
    assert rec["status"] == "failed"
    assert rec["error"]["file"] == "configs/bad.py", rec["error"]
    assert rec["error"]["line"] == 4, rec["error"]
    assert "no experiment named" not in json.dumps(rec)
    # The recorded name runs again from anywhere in the repository, and `graft runs` lists it.
    again = _json(graft(root / "experiments", "run", "configs/extra.py", "--json"))
    assert again["status"] == "succeeded" and again["experiment"] == "configs/extra.py"
    runs = graft(root, "runs", "--json")
    assert runs.returncode == 0, runs.stderr
    names = [r["experiment"] for r in json.loads(runs.stdout)]
    assert names.count("configs/extra.py") == 2 and "configs/nested/wide.py" in names
    # Names under experiments/ are unchanged.
    assert _json(graft(root, "run", "baseline", "--json"))["experiment"] == "baseline"
    assert (
        _json(graft(root, "run", "experiments/baseline.py", "--json"))["experiment"] == "baseline"
    )

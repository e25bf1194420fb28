"""A search over the standard rule library on the template's digits baseline (real JAX
training): ``graft tune`` finds a rule set that beats the baseline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hyper"))

from tune_toy_repo import IDENTITY, graft

pytest.importorskip("jax")

IDEAS = """\
\"\"\"Which of the standard rules help the baseline?\"\"\"

from graftlab import Derived, oneof

experiment = Derived(
    base="baseline",
    patches=[
        oneof(["scale_width?factor=2", None]),
        oneof(["change_lr?0.01", None]),
        oneof(["add_skip_connections", None]),
    ],
)
"""


@pytest.mark.slow
def test_search_over_rules_beats_the_baseline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in IDENTITY.items():
        monkeypatch.setenv(k, v)
    root = tmp_path / "demo"
    proc = graft(tmp_path, "init", str(root))
    assert proc.returncode == 0, proc.stderr
    (root / "experiments" / "ideas.py").write_text(IDEAS)
    proc = graft(root, "show", "ideas", "--space", "--json")
    assert json.loads(proc.stdout)["size"] == 8
    proc = graft(
        root,
        "tune",
        "ideas",
        "--algorithm",
        "grid",
        "--trials",
        "8",
        "--workers",
        "2",
        "--metric",
        "eval_loss:min",
        "--save-best",
        "ideas_best",
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr
    tune_id = json.loads(graft(root, "tunes", "--json").stdout)[0]["id"]
    trials = json.loads(graft(root, "show", tune_id, "--json").stdout)["trials"]
    assert len(trials) == 8 and all(t["status"] == "succeeded" for t in trials)
    baseline = next(t for t in trials if set(t["decisions"].values()) == {1})  # all None
    best = trials[0]
    assert best["decisions"] != baseline["decisions"]
    assert best["values"][0] < baseline["values"][0]
    saved = (root / "experiments" / "ideas_best.py").read_text()
    assert 'base="baseline"' in saved and "oneof" not in saved

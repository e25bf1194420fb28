"""A run-time failure of a component whose argument a rule set names that rule's URI."""

from __future__ import annotations

from pathlib import Path

from graft_toy_repo import PATCHES, derived, git

import graftlab as gl

ARM = '''

@gl.patcher("toy/arm")
def arm(experiment, index: int = 0):
    """Set one layer's ``explode`` argument (the layer itself comes from the base file)."""
    return {f"layers[{index}].explode": True}
'''


def test_a_failure_in_a_component_whose_argument_a_rule_set_points_at_the_rule(
    toy_path: Path,
) -> None:
    # The ``toy_path`` fixture imports this repository's own ``patches`` afresh (another
    # test's toy repository may have left its ``patches`` module in sys.modules).
    root = toy_path
    (root / "patches" / "__init__.py").write_text(PATCHES + ARM)
    text = derived("baseline", "toy/widen?factor=2", "toy/arm?index=1")
    (root / "experiments" / "armed.py").write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "armed")
    rec = gl.Repo(root).run("armed")
    err = rec.error or {}
    assert rec.status == "failed" and err["path"] == "layers[1]"
    assert err["uri"] == "toy/arm?index=1"  # not toy/widen, which wrote layers[1].width
    assert err["argument"] == "layers[1].explode"
    assert err["file"] == "experiments/armed.py"
    line = text.splitlines().index(next(x for x in text.splitlines() if "toy/arm" in x)) + 1
    assert err["line"] == line
    assert err["column"] == text.splitlines()[line - 1].index('"toy/arm?index=1"') + 1

"""``graft review`` end to end: a branch in a real git repository, reviewed by the real
command as text, Markdown and JSON."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from graft_toy_repo import git, graft, make_toy_repo

AFFECTED = {"wide", "wide_lr", "fast_wide"}  # every experiment that uses toy/widen


def ok(proc) -> str:  # type: ignore[no-untyped-def]
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def branch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``main`` plus a branch ``feature`` that changes toy/widen's code, edits ``broken``,
    breaks ``exploding`` and adds ``tiny``."""
    root = make_toy_repo(tmp_path_factory.mktemp("review") / "toy")
    git(root, "checkout", "-q", "-b", "feature")
    patches = root / "patches" / "__init__.py"
    patches.write_text(
        patches.read_text().replace("layer.width * factor for", "layer.width * factor + 1 for")
    )
    broken = root / "experiments" / "broken.py"
    broken.write_text(broken.read_text().replace("Layer(width=4)", "Layer(width=5)"))
    (root / "experiments" / "exploding.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="baseline", '
        'patches=["toy/explode?index=oops"])\n'
    )
    (root / "experiments" / "tiny.py").write_text(
        "from toy import Layer, Optimizer, Trainer\n\n"
        "experiment = Trainer(layers=[Layer(width=1)], optimizer=Optimizer())\n"
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "widen adds one; broken edited; explode broken; tiny")
    return root


def test_review_json(branch: Path) -> None:
    data = json.loads(ok(graft(branch, "review", "main..feature", "--format", "json")))
    assert data["base"] == "main" and data["head"] == "feature"
    assert data["changed_rules"] == {"toy/widen": "changed"}
    assert sorted(data["changed_files"]) == [
        "experiments/broken.py",
        "experiments/exploding.py",
        "experiments/tiny.py",
        "patches/__init__.py",
    ]
    exps = {e["name"]: e for e in data["experiments"]}
    # affected through the rule (directly, through a derived base), edited, broken, added
    assert set(exps) == AFFECTED | {"broken", "exploding", "tiny"}
    assert "baseline" not in exps and "fast" not in exps and "slow" not in exps
    assert data["experiments_total"] == 9
    for name in AFFECTED:
        e = exps[name]
        assert e["status"] == "changed" and e["file_changed"] is False and e["written"] == []
        assert {d["path"] for d in e["materialized"]} == {"layers[0].width", "layers[1].width"}
        for d in e["materialized"]:
            assert d["set_by"]["uri"].startswith("toy/widen?factor=")
            assert d["set_by"]["file"].startswith("experiments/")  # never a temporary path
    wide = {d["path"]: d for d in exps["wide"]["materialized"]}
    assert (wide["layers[1].width"]["old"], wide["layers[1].width"]["new"]) == ("16", "17")
    assert exps["wide"]["causes"] == ["rule toy/widen changed"]
    assert exps["fast_wide"]["causes"] == ["rule toy/widen changed"]
    assert exps["wide_lr"]["causes"] == ["base wide changed"]
    fw = {d["path"]: d for d in exps["fast_wide"]["materialized"]}
    assert (fw["layers[0].width"]["old"], fw["layers[0].width"]["new"]) == ("12", "13")
    assert fw["layers[0].width"]["set_by"]["file"] == "experiments/fast_wide.py"
    edited = exps["broken"]
    assert edited["status"] == "changed" and edited["file_changed"] is True
    assert edited["causes"] == ["file edited"]
    assert [(d["path"], d["old"], d["new"]) for d in edited["written"]] == [
        ("layers[0].width", "4", "5")
    ]
    assert [d["path"] for d in edited["materialized"]] == ["layers[0].width"]
    assert "set_by" not in edited["materialized"][0]  # written by hand, not by a patch
    broken = exps["exploding"]
    assert broken["status"] == "error"
    assert broken["error"]["file"] == "experiments/exploding.py"
    assert broken["error"]["line"] == 3 and "index" in broken["error"]["message"]
    assert exps["tiny"]["status"] == "added"


def test_review_markdown(branch: Path) -> None:
    md = ok(graft(branch, "review", "main..feature", "--format", "md"))
    assert md.startswith("## graft review: `main` → `feature`")
    assert "**6** of 9 experiments change" in md
    assert "[`toy/widen`](#rule-toywiden) (changed)" in md
    # the rule's own code change is shown once, and every experiment it changes links to it
    assert md.count("#### rule toy/widen") == 1
    code = md.split("#### rule toy/widen", 1)[1].split("</details>", 1)[0]
    assert "```diff" in code and "\n-" in code and "\n+" in code
    assert md.count("[rule toy/widen](#rule-toywiden) changed") == 2  # wide, fast_wide
    table = md.index("| experiment | status | why |")
    assert table < md.index("<details>")
    rows = [ln for ln in md[table:].split("\n\n", 1)[0].splitlines()[2:]]
    assert {re.match(r"\| `([^`]+)`", r).group(1) for r in rows} == AFFECTED | {  # type: ignore[union-attr]
        "broken",
        "exploding",
        "tiny",
    }
    assert md.count("<details>") == md.count("</details>") == 7  # 6 experiments, 1 rule
    assert md.count("<details><summary>the rule's code change") == 1
    section = md.split("<summary><b>fast_wide</b>", 1)[1].split("</details>", 1)[0]
    assert (
        "| ✏️ | `layers[0].width` | `12` | `13` | `toy/widen?factor=3` (fast_wide.py:3 #0) |"
        in section
    )
    assert "does not load" in md.split("<summary><b>exploding</b>", 1)[1].split("</details>")[0]
    assert "baseline</b>" not in md


def test_review_text_and_output_file(branch: Path, tmp_path: Path) -> None:
    text = ok(graft(branch, "review", "main..feature"))
    assert "6 of 9 experiments change" in text
    assert "patch rules: toy/widen (changed)" in text
    assert "layers[1].width: 16 → 17  (set by toy/widen?factor=2" in text
    assert "does not load" in text
    out = tmp_path / "review.md"
    assert ok(graft(branch, "review", "main..feature", "--format", "md", "-o", str(out))) == ""
    assert out.read_text().startswith("## graft review")


def test_review_against_the_working_tree(tmp_path: Path) -> None:
    root = make_toy_repo(tmp_path / "toy")
    baseline = root / "experiments" / "baseline.py"
    baseline.write_text(baseline.read_text().replace("steps=3", "steps=7"))
    (root / "experiments" / "syn.py").write_text("experiment = (\n")
    data = json.loads(ok(graft(root, "review", "HEAD", "--format", "json")))
    assert data["head"] == "working tree"
    exps = {e["name"]: e for e in data["experiments"]}
    # the edit propagates to every experiment derived from baseline, however deep
    assert set(exps) == {"baseline", "wide", "wide_lr", "fast", "fast_wide", "exploding", "syn"}
    assert exps["baseline"]["causes"] == ["file edited"]
    assert [d["path"] for d in exps["baseline"]["written"]] == ["steps"]
    assert exps["wide_lr"]["causes"] == ["base wide changed"]
    assert [d["path"] for d in exps["wide_lr"]["materialized"]] == ["steps"]
    assert exps["syn"]["status"] == "added" and exps["syn"]["error"]["line"] == 1
    # nothing changed: nothing to review
    git(root, "checkout", "-q", "--", ".")
    (root / "experiments" / "syn.py").unlink()
    clean = json.loads(ok(graft(root, "review", "HEAD", "--format", "json")))
    assert clean["experiments"] == [] and clean["changed_rules"] == {}


@pytest.mark.parametrize("spec", ["nope..main", "main..nope", "nope"])
def test_unknown_revision_is_one_clear_line(branch: Path, spec: str) -> None:
    proc = graft(branch, "review", spec)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == (
        "error: unknown revision 'nope' (not a branch, tag or commit of this repository)"
    )


def test_review_gives_reasons_for_helpers_and_non_ascii_names_and_no_temp_paths(
    tmp_path: Path,
) -> None:
    root = make_toy_repo(tmp_path / "toy")
    (root / "patches" / "helpers.py").write_text(
        "def scale(width, factor):\n    return width * factor\n"
    )
    patches = root / "patches" / "__init__.py"
    patches.write_text(
        patches.read_text()
        .replace(
            "import graftlab as gl\n",
            "import graftlab as gl\nfrom patches.helpers import scale\n",
            1,
        )
        .replace("layer.width * factor for", "scale(layer.width, factor) for")
    )
    # an experiment whose base is missing fails at both revisions; a non-ASCII name
    (root / "experiments" / "orphan.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="gone", patches=["toy/lr?0.2"])\n'
    )
    (root / "experiments" / "größer.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="baseline", patches=["toy/lr?0.2"])\n'
    )
    git(root, "add", "-A")
    git(root, "commit", "-qm", "helpers")
    (root / "patches" / "helpers.py").write_text(
        "def scale(width, factor):\n    return width * factor + 2\n"
    )
    größer = root / "experiments" / "größer.py"
    größer.write_text(größer.read_text().replace("0.2", "0.25"))
    git(root, "commit", "-qam", "helper adds two; größer edited")
    data = json.loads(ok(graft(root, "review", "HEAD~1..HEAD", "--format", "json")))
    causes = {e["name"]: e["causes"] for e in data["experiments"]}
    assert causes["wide"] == ["rule toy/widen changed (helper patches/helpers.py)"]
    assert causes["größer"] == ["file edited"]
    assert "orphan" not in causes  # broken before and after: not news
    for fmt in ("text", "md", "json"):
        out = ok(graft(root, "review", "HEAD~1..HEAD", "--format", fmt))
        assert "graft-rev-" not in out and "/tmp/" not in out

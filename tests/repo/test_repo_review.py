"""``graft review``: snapshots, the comparison of two snapshots, and its renderings."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from graft_toy_repo import git
from rich.console import Console

import graftlab as gl
from graftlab.repo.checkout import WORKTREE, changed_files, snapshot_rev
from graftlab.repo.review import compare, parse_range, print_text, review, to_markdown
from graftlab.repo.snapshot import take

T = "__type__"


def trainer(*widths: int, lr: float = 0.1) -> dict[str, Any]:
    return {
        T: "toy.Trainer",
        "layers": [{T: "toy.Layer", "width": w} for w in widths],
        "optimizer": {T: "toy.Optimizer", "learning_rate": lr},
    }


def derived(base: str, *uris: str) -> dict[str, Any]:
    return {T: "graftlab.patching.derived.Derived", "base": base, "patches": list(uris)}


def entry(written: Any, materialized: Any = None, **prov: Any) -> dict[str, Any]:
    out = {"file": "x", "written": written, "materialized": materialized or written}
    if prov:
        out["provenance"] = prov
    return out


def snap(experiments: dict[str, Any], rules: dict[str, str]) -> dict[str, Any]:
    for name, e in experiments.items():
        e["file"] = f"experiments/{name}.py"
    return {
        "experiments": experiments,
        "rules": {
            n: {"function": f"patches.{n}", "file": "patches/__init__.py", "hash": h}
            for n, h in rules.items()
        },
    }


def test_parse_range() -> None:
    assert parse_range("main..feature") == ("main", "feature")
    assert parse_range("main...feature") == ("main", "feature")
    assert parse_range("main..") == ("main", "HEAD")
    assert parse_range("..feature") == ("HEAD", "feature")
    assert parse_range("HEAD~1") == ("HEAD~1", WORKTREE)


def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
    widen = {"layers[0].width": {"uri": "widen?2", "rule": "widen", "position": 0}}
    before = snap(
        {
            "baseline": entry(trainer(4)),
            "wide": entry(derived("baseline", "widen?2"), trainer(8), **widen),
            "wide_lr": entry(derived("wide", "lr?0.5"), trainer(8, lr=0.5), **widen),
            "fast": entry(derived("baseline", "lr?0.3"), trainer(4, lr=0.3)),
            "gone": entry(trainer(1)),
            "was_broken": {"error": {"message": "boom"}},
        },
        {"widen": "h1", "lr": "h2", "old_rule": "h3"},
    )
    after = snap(
        {
            "baseline": entry(trainer(4)),
            "wide": entry(derived("baseline", "widen?2"), trainer(9), **widen),
            "wide_lr": entry(derived("wide", "lr?0.5"), trainer(9, lr=0.5), **widen),
            "fast": entry(derived("baseline", "lr?0.3"), trainer(4, lr=0.3)),
            "new": entry(trainer(2)),
            "was_broken": entry(trainer(3)),
        },
        {"widen": "CHANGED", "lr": "h2", "new_rule": "h4"},
    )
    return before, after


def test_a_changed_rule_shows_every_experiment_it_alters() -> None:
    before, after = scenario()
    rv = compare(before, after, ["patches/__init__.py", "experiments/new.py"], "a", "b")
    assert rv.changed_rules == {"new_rule": "added", "old_rule": "removed", "widen": "changed"}
    by_name = {e.name: e for e in rv.experiments}
    assert set(by_name) == {"wide", "wide_lr", "new", "gone", "was_broken"}
    assert "baseline" not in by_name and "fast" not in by_name  # unaffected
    wide = by_name["wide"]
    assert wide.status == "changed" and not wide.file_changed and wide.written == []
    assert [(e.kind, str(e.path), e.old, e.new) for e in wide.materialized] == [
        ("changed", "layers[0].width", 8, 9)
    ]
    assert wide.causes == ["rule widen changed"]
    assert by_name["wide_lr"].causes == ["base wide changed"]
    assert by_name["new"].status == "added" and by_name["new"].causes == ["file added"]
    assert by_name["gone"].status == "removed"
    assert by_name["was_broken"].status == "fixed"
    assert rv.total == 7
    data = rv.to_json()
    json.dumps(data)
    (w,) = [e for e in data["experiments"] if e["name"] == "wide"]
    assert w["materialized"][0]["set_by"]["uri"] == "widen?2"


def test_edited_and_broken_experiments() -> None:
    before, after = scenario()
    after["experiments"]["fast"] = entry(derived("baseline", "lr?0.4"), trainer(4, lr=0.4))
    after["experiments"]["fast"]["file"] = "experiments/fast.py"
    after["experiments"]["baseline"] = {
        "file": "experiments/baseline.py",
        "written": trainer(4),
        "error": {"message": "cannot load", "file": "experiments/baseline.py", "line": 3},
    }
    rv = compare(before, after, ["experiments/fast.py", "experiments/baseline.py"], "a", "b")
    by_name = {e.name: e for e in rv.experiments}
    fast = by_name["fast"]
    assert fast.file_changed and fast.causes[0] == "file edited"
    assert [str(e.path) for e in fast.written] == ["patches[0]"]
    assert [str(e.path) for e in fast.materialized] == ["optimizer.learning_rate"]
    base = by_name["baseline"]
    assert base.status == "error" and base.error is not None
    assert base.error["message"] == "cannot load"


def test_markdown_has_a_summary_table_then_a_section_per_experiment() -> None:
    before, after = scenario()
    md = to_markdown(compare(before, after, ["patches/__init__.py"], "main", "feature"))
    assert md.startswith("## graft review: `main` → `feature`")
    table = md.index("| experiment | status | why |")
    assert table < md.index("<details>")
    assert md.count("<details>") == md.count("</details>") == 5
    assert "<summary><b>wide</b>" in md
    assert "`widen?2`" in md  # set by
    assert "`widen` (changed)" in md
    assert "fast" not in md


def test_markdown_of_no_change() -> None:
    before, _ = scenario()
    md = to_markdown(compare(before, before, [], "a", "a"))
    assert "No experiment changes." in md and "<details>" not in md


def test_text_rendering() -> None:
    before, after = scenario()
    buf = io.StringIO()
    print_text(compare(before, after, [], "main", "feature"), Console(file=buf, width=200))
    out = buf.getvalue()
    assert "main → feature" in out
    assert "layers[0].width: 8 → 9" in out
    assert "set by widen?2" in out


def test_snapshot_of_the_toy_repository(toy_path: Path) -> None:
    snap_ = take(toy_path)
    exps = snap_["experiments"]
    assert set(exps) >= {"baseline", "wide", "wide_lr"}
    wide = exps["wide"]
    assert wide["file"] == "experiments/wide.py"
    assert gl.from_json(wide["materialized"]).layers[0].width == 8
    assert wide["written"]["base"] == "baseline"
    prov = wide["provenance"]["layers[0].width"]
    assert prov["uri"] == "toy/widen?factor=2"
    assert prov["file"] == "experiments/wide.py"  # relative, never a temporary path
    rule = snap_["rules"]["toy/widen"]
    assert rule["file"] == "patches/__init__.py"
    assert rule["function"] == "patches.widen"


def test_snapshot_reports_experiments_that_do_not_load(toy_path: Path) -> None:
    (toy_path / "experiments" / "syn.py").write_text("experiment = Layer(\n")
    err = take(toy_path, only=["syn"])["experiments"]["syn"]["error"]
    assert err["file"] == "experiments/syn.py" and err["line"] == 1


def test_changed_files_and_unknown_revisions(toy_path: Path) -> None:
    repo = gl.Repo(toy_path)
    first = git(toy_path, "rev-parse", "HEAD").strip()
    (toy_path / "toy.py").write_text((toy_path / "toy.py").read_text() + "\n# edited\n")
    git(toy_path, "commit", "-qam", "edit")
    (toy_path / "new.txt").write_text("x")
    assert changed_files(repo.git, first, "HEAD") == ["toy.py"]
    assert changed_files(repo.git, "HEAD", WORKTREE) == ["new.txt"]
    with pytest.raises(gl.GraftError, match=r"^unknown revision 'nope'"):
        changed_files(repo.git, "nope", "HEAD")
    with pytest.raises(gl.GraftError, match=r"^unknown revision 'nope'"):
        snapshot_rev(repo.git, repo.root, "nope")


def test_review_of_a_rule_change_between_commits(toy_path: Path) -> None:
    repo = gl.Repo(toy_path)
    patches = toy_path / "patches" / "__init__.py"
    patches.write_text(
        patches.read_text().replace("layer.width * factor", "layer.width * factor + 1")
    )
    index = (toy_path / ".git" / "index").read_bytes()
    rv = review(repo, "HEAD")  # against the working tree
    assert rv.head == "working tree"
    assert rv.changed_rules == {"toy/widen": "changed"}
    assert {e.name for e in rv.experiments} == {"wide", "wide_lr", "fast_wide"}
    assert (toy_path / ".git" / "index").read_bytes() == index
    git(toy_path, "commit", "-qam", "widen +1")
    rv2 = review(repo, "HEAD~1..HEAD")
    assert {e.name for e in rv2.experiments} == {"wide", "wide_lr", "fast_wide"}
    assert rv2.changed_files == ["patches/__init__.py"]


def test_a_range_reviews_from_the_merge_base_like_a_pull_request(toy_path: Path) -> None:
    repo = gl.Repo(toy_path)
    git(toy_path, "checkout", "-q", "-b", "feature")
    patches = toy_path / "patches" / "__init__.py"
    patches.write_text(
        patches.read_text().replace(
            '"optimizer.learning_rate": value', '"optimizer.learning_rate": value / 2'
        )
    )
    git(toy_path, "commit", "-qam", "halve toy/lr")
    git(toy_path, "checkout", "-q", "main")
    baseline = toy_path / "experiments" / "baseline.py"
    baseline.write_text(baseline.read_text().replace("steps=3", "steps=30"))
    git(toy_path, "commit", "-qam", "main moves on")
    fork = git(toy_path, "merge-base", "main", "feature").strip()
    for spec in ("main..feature", "main...feature"):
        rv = review(repo, spec)
        # only what the branch did: toy/lr users, not every experiment main's commit touched
        assert {e.name for e in rv.experiments} == {"fast", "fast_wide", "wide_lr"}
        assert rv.changed_files == ["patches/__init__.py"]
        assert rv.base == f"main (merge base {fork[:8]})"

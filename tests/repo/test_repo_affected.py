"""Review loads only the experiments a change can alter (``graftlab.repo.affected``), and what
it reports stays the same as loading every experiment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from graft_toy_repo import git

import graftlab as gl
from graftlab.repo.affected import affected
from graftlab.repo.review import review

MARKER_MODULE = """\
import os

import graftlab as gl

with open(os.environ["GRAFT_TEST_MARKER"], "a") as f:  # who imported me, in which process
    f.write("imported\\n")


@gl.symbolize
class Plain:
    def __init__(self, size: int = 1) -> None:
        self.size = size
"""


def tree(root: Path, files: dict[str, str]) -> Path:
    """A checkout: a graft.toml and ``files`` (path -> text)."""
    root.mkdir(parents=True)
    (root / "graft.toml").write_text(
        '[graft]\nallowed_modules = ["lib", "rules", "pkg"]\npatch_modules = ["rules"]\n'
    )
    for path, text in files.items():
        p = root / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


FILES = {
    "lib.py": "import graftlab as gl\n",
    "helpers.py": "def double(x):\n    return 2 * x\n",
    "rules.py": "import graftlab as gl\nfrom helpers import double\n",
    "pkg/__init__.py": "from .inner import Thing\n",
    "pkg/inner.py": "import graftlab as gl\n",
    "data.json": "{}",
    "experiments/plain.py": "from lib import A\n\nexperiment = A(x=1)\n",
    "experiments/packaged.py": "from pkg import Thing\n\nexperiment = Thing()\n",
    "experiments/derived.py": (
        'from graftlab import Derived\n\nexperiment = Derived(base="plain", patches=["r?1"])\n'
    ),
    "experiments/grand.py": (
        'from graftlab import Derived\n\nexperiment = Derived(base="derived", patches=[])\n'
    ),
    "experiments/other.py": "from lib import A\n\nexperiment = A(x=2)\n",
    "experiments/on_other.py": (
        'from graftlab import Derived\n\nexperiment = Derived(base="other", patches=["r?2"])\n'
    ),
}


def names_of(files: dict[str, str]) -> dict[str, str]:
    return {Path(p).stem: p for p in files if p.startswith("experiments/") and p.endswith(".py")}


def run(tmp_path: Path, changed: dict[str, str], removed: tuple[str, ...] = ()) -> set[str] | None:
    """``affected`` between FILES and FILES with ``changed`` (path -> new text) applied."""
    after = {**FILES, **changed}
    for p in removed:
        after.pop(p)
    a = tree(tmp_path / "a", FILES)
    b = tree(tmp_path / "b", after)
    names = {**names_of(FILES), **names_of(after)}
    return affected([a, b], "experiments", ("rules",), names, [*changed, *removed])


def test_a_rule_module_change_reaches_every_experiment_that_names_a_rule(tmp_path: Path) -> None:
    got = run(tmp_path, {"rules.py": FILES["rules.py"] + "# changed\n"})
    assert got == {"derived", "grand", "on_other"}  # plain roots never name a rule


def test_a_helper_module_of_the_rules_counts_as_the_rules(tmp_path: Path) -> None:
    got = run(tmp_path, {"helpers.py": "def double(x):\n    return 3 * x\n"})
    assert got == {"derived", "grand", "on_other"}


def test_a_changed_base_reaches_experiments_derived_from_it_transitively(tmp_path: Path) -> None:
    got = run(tmp_path, {"experiments/plain.py": "from lib import A\n\nexperiment = A(x=7)\n"})
    assert got == {"plain", "derived", "grand"}


def test_a_component_module_reaches_the_experiments_importing_it(tmp_path: Path) -> None:
    assert run(tmp_path, {"lib.py": "import graftlab as gl\n# v2\n"}) == {
        "plain",
        "other",
        "derived",
        "grand",
        "on_other",
    }
    # a module reached through a package's relative import
    got = run(tmp_path / "2", {"pkg/inner.py": "import graftlab as gl\n# v2\n"})
    assert got == {"packaged", "derived", "grand", "on_other"}


def test_added_and_removed_experiments_and_bases(tmp_path: Path) -> None:
    new = 'from graftlab import Derived\n\nexperiment = Derived(base="other", patches=[])\n'
    got = run(tmp_path, {"experiments/new.py": new}, removed=("experiments/grand.py",))
    assert got == {"new", "grand"}


def test_docs_change_nothing_config_changes_everything_data_reaches_code_users(
    tmp_path: Path,
) -> None:
    assert run(tmp_path / "1", {"README.md": "# hi\n", ".github/x.yml": "a: 1\n"}) == set()
    assert run(tmp_path / "2", {"graft.toml": "[graft]\n"}) is None
    got = run(tmp_path / "3", {"data.json": '{"a": 1}'})
    assert got == set(names_of(FILES))  # every experiment here imports a module of ours


def test_a_module_that_imports_dynamically_depends_on_all_code(tmp_path: Path) -> None:
    dynamic = "import importlib\n\nimportlib.import_module('helpers')\n"
    changed = {"lib.py": dynamic}
    a = tree(tmp_path / "a", {**FILES, **changed})
    b = tree(tmp_path / "b", {**FILES, **changed, "helpers.py": "X = 1\n"})
    got = affected([a, b], "experiments", ("rules",), names_of(FILES), ["helpers.py"])
    assert got == set(names_of(FILES)) - {"packaged"}


def test_a_syntax_error_is_its_own_only_input(tmp_path: Path) -> None:
    files = {**FILES, "experiments/bad.py": "experiment = (\n"}
    a = tree(tmp_path / "a", files)
    b = tree(tmp_path / "b", {**files, "lib.py": "# v2\n"})
    got = affected([a, b], "experiments", ("rules",), names_of(files), ["lib.py"])
    assert got is not None and "bad" not in got and "plain" in got


def test_review_does_not_load_experiments_the_change_cannot_alter(
    toy_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "marker.txt"
    monkeypatch.setenv("GRAFT_TEST_MARKER", str(marker))
    (toy_path / "marked.py").write_text(MARKER_MODULE)
    toml = toy_path / "graft.toml"
    toml.write_text(toml.read_text().replace('"toy", "patches"', '"toy", "patches", "marked"'))
    (toy_path / "experiments" / "plain.py").write_text(
        "from marked import Plain\n\nexperiment = Plain(size=3)\n"
    )
    git(toy_path, "add", "-A")
    git(toy_path, "commit", "-qm", "an experiment that says when it is loaded")
    patches = toy_path / "patches" / "__init__.py"
    patches.write_text(
        patches.read_text().replace("layer.width * factor", "layer.width * factor + 1")
    )
    git(toy_path, "commit", "-qam", "widen +1")
    rv = review(gl.Repo(toy_path), "HEAD~1..HEAD")
    assert {e.name for e in rv.experiments} == {"wide", "wide_lr", "fast_wide"}
    assert rv.total == 9  # every experiment counted, loaded or not
    assert not marker.exists()  # plain.py was never loaded at either revision
    # editing the module plain.py imports loads it at both revisions and reports it
    marked = toy_path / "marked.py"
    marked.write_text(marked.read_text().replace("size: int = 1", "size: int = 1, extra: int = 0"))
    git(toy_path, "commit", "-qam", "Plain gains an argument")
    rv = review(gl.Repo(toy_path), "HEAD~1..HEAD")
    assert marker.read_text().count("imported") == 2  # one process per revision
    assert [e.name for e in rv.experiments] == ["plain"]
    assert rv.experiments[0].causes == []  # no rule, no base: the module it imports changed
    assert [str(d.path) for d in rv.experiments[0].materialized] == ["extra"]


def test_review_reports_experiments_derived_from_a_changed_base(toy_path: Path) -> None:
    baseline = toy_path / "experiments" / "baseline.py"
    baseline.write_text(baseline.read_text().replace("steps=3", "steps=4"))
    git(toy_path, "commit", "-qam", "baseline: 4 steps")
    rv = review(gl.Repo(toy_path), "HEAD~1..HEAD")
    names = {e.name for e in rv.experiments}
    assert names == {"baseline", "wide", "wide_lr", "fast", "fast_wide", "exploding"}
    causes = {e.name: e.causes for e in rv.experiments}
    assert causes["wide"] == ["base baseline changed"]
    assert causes["wide_lr"] == ["base wide changed"]
    assert rv.changed_rules == {}


def test_review_output_is_the_same_as_loading_everything(toy_path: Path) -> None:
    patches = toy_path / "patches" / "__init__.py"
    patches.write_text(patches.read_text().replace("value}", "value * 2}"))
    baseline = toy_path / "experiments" / "baseline.py"
    baseline.write_text(baseline.read_text().replace("width=8", "width=9"))
    git(toy_path, "commit", "-qam", "two changes")
    repo = gl.Repo(toy_path)
    rv = review(repo, "HEAD~1..HEAD")
    # the same comparison from full snapshots of both revisions
    from graftlab.repo.checkout import snapshot_rev
    from graftlab.repo.review import compare

    full = compare(
        snapshot_rev(repo.git, repo.root, "HEAD~1"),
        snapshot_rev(repo.git, repo.root, "HEAD"),
        rv.changed_files,
        rv.base,
        rv.head,
    )
    assert len(rv.experiments) == 6
    assert json.dumps(rv.to_json(), sort_keys=True) == json.dumps(full.to_json(), sort_keys=True)


def test_the_line_scan_agrees_with_the_syntax_tree() -> None:
    from graftlab.repo import affected as a

    samples = {
        "pkg/mod.py": "from . import sib\nfrom ..up import x as y, z\nimport a.b as c, d\n",
        "m.py": 'x = f(split="eval", n=\'it"s\')\nimport importlib\n',
        "n.py": "y = eval('1')\n",
        "o.py": "import sys\nsys.path.append('x')\n",
        "p.py": 'from graftlab import Derived\n\nexperiment = Derived(base="a/b", patches=["r?x=1"])\n',
    }
    from graft_toy_repo import EXPERIMENTS

    sources = [*samples.items(), *FILES.items()]
    sources += [(f"experiments/{n}.py", t) for n, t in EXPERIMENTS.items()]
    compared = 0
    for path, text in sources:
        if any(m in text for m in a._NOT_SIMPLE):
            continue
        module, is_package = a._module_name(path)
        quick = a._line_scan(text, module, is_package)
        tree = a._tree_scan(text.encode(), module, is_package)
        assert quick is not None, path
        assert (quick.imports, quick.strings, quick.dynamic) == (
            tree.imports,
            tree.strings,
            tree.dynamic,
        ), path
        compared += 1
    assert compared >= len(samples) + len(FILES)  # every one of them is simple
    pkg = a._line_scan(samples["pkg/mod.py"], "pkg.mod", False)
    assert pkg is not None and pkg.imports == {"pkg", "pkg.sib", "up", "up.x", "up.z", "a.b", "d"}
    assert a._line_scan("from x import (\n    a,\n)\n", "m", False) is None  # the parser decides
    m = a._line_scan(samples["m.py"], "m", False)
    assert m is not None and m.strings == {"eval", 'it"s'} and m.dynamic  # importlib, not "eval"
    assert a._line_scan(samples["n.py"], "n", False).dynamic  # type: ignore[union-attr]
    assert a._line_scan(samples["o.py"], "o", False).dynamic  # type: ignore[union-attr]


FORK_PROBE = """
import json, sys
from pathlib import Path
toy = Path(sys.argv[1])
sys.path.insert(0, str(toy))  # as `python -m` run in the working tree puts it first
import graftlab as gl
from graftlab.repo import forked
from graftlab.repo.checkout import extracted, snapshot_dir
out = {"usable": forked.usable(toy)}
repo = gl.Repo(toy)
with extracted(repo.git, "HEAD") as tree:
    out["fresh"] = snapshot_dir(tree, None, "HEAD")
    (out["forked"],) = forked.snapshots([(tree, None, "HEAD")], toy)
try:
    forked.snapshots([(toy / "nowhere", None, "HEAD")], toy)
except gl.GraftError as e:
    out["failure"] = str(e)
import toy as team_code  # now this process holds code of the repository
out["usable_after_import"] = forked.usable(toy)
print("RESULT" + json.dumps(out))
"""


def test_forked_snapshots_match_fresh_processes_and_never_see_the_working_tree(
    toy_path: Path,
) -> None:
    # in a fresh interpreter: a test process may hold threads (or JAX) that make forking unsafe
    (toy_path / "experiments" / "uses_extra.py").write_text(
        "from extra import Thing\n\nexperiment = Thing()\n"
    )
    toml = toy_path / "graft.toml"
    toml.write_text(toml.read_text().replace('"toy", "patches"', '"toy", "patches", "extra"'))
    git(toy_path, "add", "-A")
    git(toy_path, "commit", "-qm", "an experiment whose module is not committed")
    (toy_path / "extra.py").write_text(  # only in the working tree
        "import graftlab as gl\n\n\n@gl.symbolize\nclass Thing:\n    def __init__(self, a: int = 1):\n"
        "        self.a = a\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", FORK_PROBE, str(toy_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    assert out["usable"] is True
    assert out["forked"] == out["fresh"]
    got = out["forked"]["experiments"]
    assert "cannot import 'extra'" in got["uses_extra"]["error"]["message"]
    assert got["wide"]["materialized"]["layers"][0]["width"] == 8
    assert out["failure"].startswith("cannot read the experiments of HEAD: ")
    assert "\n" not in out["failure"] and "No such file" in out["failure"]
    assert out["usable_after_import"] is False  # a child would see `toy`: fresh processes


def test_the_library_review_starts_fresh_processes_and_forks_only_when_safe(
    toy_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from graftlab.repo import forked

    def no_fork(*args: object) -> None:
        raise AssertionError("review() forked without fork=True")

    patches = toy_path / "patches" / "__init__.py"
    patches.write_text(patches.read_text().replace("value}", "value * 2}"))
    git(toy_path, "commit", "-qam", "lr doubled")
    with monkeypatch.context() as m:
        m.setattr(forked, "snapshots", no_fork)
        rv = review(gl.Repo(toy_path), "HEAD~1..HEAD")  # a range: its merge base is no flag
    assert {e.name for e in rv.experiments} == {"fast", "fast_wide", "wide_lr"}
    monkeypatch.setitem(sys.modules, "jax", types.ModuleType("jax"))  # starts its own threads
    assert not forked.usable(toy_path)


def test_a_virtual_environment_inside_the_repository_does_not_stop_the_fork(
    toy_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import types

    from graftlab.repo import forked

    clean = forked.usable(toy_path)  # False where this test process runs threads or JAX
    installed = types.ModuleType("somepkg")
    installed.__file__ = str(toy_path / ".venv/lib/python3.11/site-packages/somepkg/__init__.py")
    monkeypatch.setitem(sys.modules, "somepkg", installed)
    assert forked.usable(toy_path) == clean
    team = types.ModuleType("teamcode")
    team.__file__ = str(toy_path / "teamcode.py")
    monkeypatch.setitem(sys.modules, "teamcode", team)
    assert not forked.usable(toy_path)

"""The ``graft`` repository commands end to end: the real command in a subprocess, on real
git repositories in temporary directories (init, ls, show, lineage, run, runs, compare,
diff, textconv, help and error conventions)."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "repo"))
from graft_toy_repo import (
    EXPERIMENTS,
    IDENTITY,
    git,
    graft,
    graft_env,
    make_toy_repo,
)

from graftlab.repo.init import template_dir


def ok(proc) -> str:  # type: ignore[no-untyped-def]
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def user_error(proc) -> str:  # type: ignore[no-untyped-def]
    """A user's mistake: exit 1, one line on stderr, no traceback."""
    assert proc.returncode == 1, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def run_ids(root: Path) -> list[str]:
    return git(root, "for-each-ref", "--format=%(refname:strip=3)", "refs/graft/runs/").split()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A toy repository with a succeeded and a failed run, for the read-only commands."""
    root = make_toy_repo(tmp_path_factory.mktemp("shared") / "toy")
    ok_run = json.loads(ok(graft(root, "run", "baseline", "--json")))
    bad = graft(root, "run", "broken", "--json")
    assert bad.returncode == 1
    wide = json.loads(ok(graft(root, "run", "wide_lr", "optimizer.learning_rate=0.25", "--json")))
    return {"root": root, "ok": ok_run, "bad": json.loads(bad.stdout), "wide": wide}


@pytest.fixture
def toy(tmp_path: Path) -> Path:
    return make_toy_repo(tmp_path / "toy")


# --- graft init ------------------------------------------------------------------------------


def test_init_creates_a_committed_repository(tmp_path: Path) -> None:
    out = ok(graft(tmp_path, "init", "new-lab"))
    dest = tmp_path / "new-lab"
    assert "created" in out and str(dest) in out
    for rel in (
        "graft.toml",
        "README.md",
        ".gitattributes",
        ".pre-commit-config.yaml",
        ".vscode/settings.json",
        ".github/workflows/graft-review.yml",
        "patches/__init__.py",
    ):
        assert (dest / rel).is_file(), rel
    if (template_dir() / "experiments").is_dir():
        assert (dest / "experiments").is_dir()
    assert 'name = "new-lab"' in (dest / "graft.toml").read_text()
    assert "{{" not in (dest / "README.md").read_text()
    assert git(dest, "log", "--format=%s").strip() == "Start new-lab with graft init"
    assert git(dest, "status", "--porcelain") == ""
    assert "textconv" in git(dest, "config", "diff.graft.textconv")
    # the new repository works with the other commands (nothing is run)
    listing = json.loads(ok(graft(dest, "ls", "--json")))
    assert isinstance(listing, list)
    assert {r["name"] for r in listing} == {
        p.relative_to(dest / "experiments").with_suffix("").as_posix()
        for p in (dest / "experiments").rglob("*.py")
        if not p.name.startswith("_")
    }


def test_init_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("x")
    line = user_error(graft(tmp_path, "init", "busy"))
    assert "not empty" in line
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["mine.txt"]


def test_init_without_any_git_identity(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = no_identity_env(home)
    ok(graft(tmp_path, "init", "lab", env=env))
    author = git(tmp_path / "lab", "log", "-1", "--format=%ae", env=env).strip()
    assert author == "graft@localhost"


# --- ls, show, lineage -----------------------------------------------------------------------


def test_ls_table_and_json(shared: dict[str, object]) -> None:
    root = shared["root"]
    assert isinstance(root, Path)
    rows = {r["name"]: r for r in json.loads(ok(graft(root, "ls", "--json")))}
    assert set(rows) == set(EXPERIMENTS)
    assert rows["baseline"] == {
        "name": "baseline",
        "base": None,
        "chain": 0,
        "last_run": "succeeded",
    }
    assert rows["wide_lr"]["base"] == "wide" and rows["wide_lr"]["chain"] == 1
    assert rows["wide_lr"]["last_run"] == "succeeded"
    assert rows["broken"]["last_run"] == "failed"
    assert rows["fast"]["last_run"] is None
    table = ok(graft(root, "ls"))
    assert f"{len(EXPERIMENTS)} experiment(s)" in table
    line = next(ln for ln in table.splitlines() if ln.startswith("wide_lr "))
    assert re.fullmatch(r"wide_lr\s+wide\s+1\s+succeeded", line), line
    line = next(ln for ln in table.splitlines() if ln.startswith("broken "))
    assert "failed" in line
    assert "\x1b[" not in table  # no colors when piped


def test_show_as_written_and_materialized(shared: dict[str, object]) -> None:
    root = shared["root"]
    assert isinstance(root, Path)
    written = ok(graft(root, "show", "wide_lr"))
    assert written == EXPERIMENTS["wide_lr"]
    mat = ok(graft(root, "show", "wide_lr", "--materialized"))
    assert "Derived" not in mat
    assert "Layer(width=8), Layer(width=16)" in mat and "learning_rate=0.5" in mat
    assert "toy/lr?0.5" in mat and "toy/widen?factor=2" in mat  # what the chain wrote
    data = json.loads(ok(graft(root, "show", "wide", "--materialized", "--json")))
    assert data["provenance"]["layers[0].width"]["uri"] == "toy/widen?factor=2"
    by_path = ok(graft(root / "experiments", "show", "wide.py"))
    assert by_path == EXPERIMENTS["wide"]


def test_show_run(shared: dict[str, object]) -> None:
    root, wide = shared["root"], shared["wide"]
    assert isinstance(root, Path) and isinstance(wide, dict)
    out = ok(graft(root, "show", wide["id"]))
    assert f"run {wide['id']}: wide_lr" in out
    assert "status: succeeded" in out
    assert "overrides: optimizer.learning_rate=0.25" in out
    assert "learning_rate=0.25" in out.split("materialized experiment", 1)[1]
    assert out.endswith(")\n")
    data = json.loads(ok(graft(root, "show", wide["id"][:17], "--json")))
    assert data["id"] == wide["id"] and data["status"] == "succeeded"
    assert data["experiment_json"]["optimizer"]["learning_rate"] == 0.25
    bad = shared["bad"]
    assert isinstance(bad, dict)
    failed = graft(root, "show", bad["id"])
    assert failed.returncode == 0
    assert (
        "experiments/broken.py:4:29: ComponentError: layer exploded (at layers[1])" in failed.stderr
    )


def test_lineage(shared: dict[str, object]) -> None:
    root = shared["root"]
    assert isinstance(root, Path)
    tree = ok(graft(root, "lineage"))
    lines = tree.splitlines()
    depth = {ln.strip("│├└─ "): len(ln) - len(ln.lstrip("│├└─ ")) for ln in lines[1:]}
    assert depth["wide"] > depth["baseline"] and depth["wide_lr"] > depth["wide"]
    assert depth["fast_wide"] > depth["fast"] > depth["baseline"]
    assert depth["broken"] == depth["baseline"]
    one = ok(graft(root, "lineage", "wide"))
    assert {"baseline", "wide", "wide_lr"} <= set(one.split()) and "fast" not in one
    data = json.loads(ok(graft(root, "lineage", "fast", "--json")))
    assert data == {"baseline": None, "fast": "baseline", "fast_wide": "fast"}
    line = user_error(graft(root, "lineage", "wdie"))
    assert "did you mean 'wide'" in line


# --- run -------------------------------------------------------------------------------------


def test_run_records_everything_in_git(toy: Path) -> None:
    head = git(toy, "rev-parse", "HEAD").strip()
    proc = graft(toy, "run", "wide")
    out = ok(proc)
    (rid,) = run_ids(toy)
    assert re.search(rf"run {rid} wide: succeeded in \d", out)
    assert "loss=0.03333" in out and "width=24" in out
    ref = f"refs/graft/runs/{rid}"
    files = set(git(toy, "ls-tree", "-r", "--name-only", ref).split())
    assert {"run.json", "experiment.py", "experiment.json", "metrics.jsonl", "log.txt"} <= files
    assert "source/experiments/wide.py" in files and "dirty.diff" not in files
    record = json.loads(git(toy, "show", f"{ref}:run.json"))
    assert record["status"] == "succeeded" and record["commit"] == head
    assert record["dirty"] is False
    assert record["env"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert "graftlab" in record["env"]["packages"]
    assert record["metrics"] == {"loss": pytest.approx(0.1 / 3), "width": 24.0}
    assert "Layer(width=16)" in git(toy, "show", f"{ref}:experiment.py")
    assert json.loads(git(toy, "show", f"{ref}:experiment.json"))["layers"][1]["width"] == 16
    assert len(git(toy, "show", f"{ref}:metrics.jsonl").splitlines()) == 3
    assert rid in git(toy, "show", f"{ref}:log.txt")
    # first parent chain ends at the source commit
    assert git(toy, "rev-parse", f"{ref}~2").strip() == head


def test_failed_run_reports_the_position_of_the_failing_object(toy: Path) -> None:
    proc = graft(toy, "run", "broken")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert (
        "experiments/broken.py:4:29: ComponentError: layer exploded (at layers[1])" in proc.stderr
    )
    assert "broken: failed" in proc.stdout
    (rid,) = run_ids(toy)
    record = json.loads(git(toy, "show", f"refs/graft/runs/{rid}:run.json"))
    assert record["status"] == "failed"
    err = record["error"]
    assert (err["file"], err["line"], err["column"], err["path"]) == (
        "experiments/broken.py",
        4,
        29,
        "layers[1]",
    )


def test_failure_in_a_patched_value_names_the_patch(toy: Path) -> None:
    proc = graft(toy, "run", "exploding")
    assert proc.returncode == 1
    assert "experiments/exploding.py:3:" in proc.stderr
    assert "[written by patch toy/explode?index=1]" in proc.stderr


def test_run_with_overrides(toy: Path) -> None:
    data = json.loads(
        ok(graft(toy, "run", "baseline", "steps=2", "optimizer.learning_rate=0.4", "--json"))
    )
    assert data["overrides"] == ["steps=2", "optimizer.learning_rate=0.4"]
    assert data["metrics"]["loss"] == pytest.approx(0.2)
    ran = json.loads(git(toy, "show", f"refs/graft/runs/{data['id']}:experiment.json"))
    assert ran["steps"] == 2 and ran["optimizer"]["learning_rate"] == 0.4
    line = user_error(graft(toy, "run", "baseline", "steps"))
    assert "expected KEY.PATH=VALUE" in line
    assert len(run_ids(toy)) == 1


def test_run_on_a_dirty_tree_never_touches_tree_or_index(toy: Path) -> None:
    path = toy / "experiments" / "baseline.py"
    path.write_text(path.read_text().replace("steps=3", "steps=5"))
    (toy / "scratch.txt").write_text("untracked")
    (toy / "toy.py").write_text((toy / "toy.py").read_text() + "\n# staged\n")
    git(toy, "add", "toy.py")
    index = (toy / ".git" / "index").read_bytes()
    status = git(toy, "--no-optional-locks", "status", "--porcelain")
    data = json.loads(ok(graft(toy, "run", "baseline", "--json")))
    assert git(toy, "--no-optional-locks", "status", "--porcelain") == status
    assert (toy / ".git" / "index").read_bytes() == index
    assert data["dirty"] is True
    diff = git(toy, "show", f"refs/graft/runs/{data['id']}:dirty.diff")
    assert "+    steps=5," in diff and "+# staged" in diff and "# untracked: scratch.txt" in diff
    assert data["metrics"]["loss"] == pytest.approx(0.1 / 5)
    runs = ok(graft(toy, "runs"))
    assert "+dirty" in runs


def no_identity_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k not in ("EMAIL",)}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home), GIT_CONFIG_NOSYSTEM="1", NO_COLOR="1")
    return env


def test_run_without_any_git_identity(toy: Path, tmp_path: Path) -> None:
    home = tmp_path / "empty-home"
    home.mkdir()
    env = no_identity_env(home)
    assert not set(IDENTITY) & set(env)
    ok(graft(toy, "run", "baseline", env=env))
    (rid,) = run_ids(toy)
    author = git(toy, "log", "-1", "--format=%an <%ae>", f"refs/graft/runs/{rid}", env=env)
    assert author.strip() == "graft <graft@localhost>"
    assert ok(graft(toy, "runs", "--json", env=env)).count('"succeeded"') == 1


# --- runs, compare ---------------------------------------------------------------------------


def test_runs_table_and_json(shared: dict[str, object]) -> None:
    root = shared["root"]
    assert isinstance(root, Path)
    data = json.loads(ok(graft(root, "runs", "--json")))
    assert [r["experiment"] for r in data] == ["wide_lr", "broken", "baseline"]
    assert [r["status"] for r in data] == ["succeeded", "failed", "succeeded"]
    assert data[0]["metrics"]["width"] == 24.0
    only = json.loads(ok(graft(root, "runs", "baseline", "--json")))
    assert [r["id"] for r in only] == [shared["ok"]["id"]]  # type: ignore[index]
    table = ok(graft(root, "runs"))
    assert "3 run(s)" in table
    line = next(ln for ln in table.splitlines() if "wide_lr" in ln)
    assert "succeeded" in line and "width=24" in line
    head = git(root, "rev-parse", "HEAD").strip()
    assert head[:8] in line


def test_compare_runs(shared: dict[str, object]) -> None:
    root, a, b = shared["root"], shared["ok"], shared["wide"]
    assert isinstance(root, Path) and isinstance(a, dict) and isinstance(b, dict)
    data = json.loads(ok(graft(root, "compare", a["id"], b["id"], "--json")))
    assert data["runs"] == [a["id"], b["id"]]
    diff = {d["path"]: (d["old"], d["new"]) for d in data["diffs"][0]}
    assert diff == {
        "layers[0].width": ("4", "8"),
        "layers[1].width": ("8", "16"),
        "optimizer.learning_rate": ("0.1", "0.25"),
    }
    assert data["metrics"]["width"] == [12.0, 24.0]
    text = ok(graft(root, "compare", a["id"], b["id"]))
    assert "optimizer.learning_rate: 0.1 → 0.25" in text
    assert re.search(r"width\s*\|\s*12\s*\|\s*24", text)
    assert "no difference" in ok(graft(root, "compare", a["id"], a["id"]))
    assert "at least two" in user_error(graft(root, "compare", a["id"]))
    assert "no run with id" in user_error(graft(root, "compare", a["id"], "nope"))


# --- diff, textconv --------------------------------------------------------------------------


def test_diff_by_names_files_revisions_and_runs(shared: dict[str, object]) -> None:
    root, run_a, run_b = shared["root"], shared["ok"], shared["wide"]
    assert isinstance(root, Path) and isinstance(run_a, dict) and isinstance(run_b, dict)
    (item,) = json.loads(ok(graft(root, "diff", "baseline", "wide", "--format", "json")))
    mat = {d["path"]: d for d in item["materialized"]}
    assert set(mat) == {"layers[0].width", "layers[1].width"}
    assert mat["layers[1].width"]["new"] == "16"
    assert mat["layers[1].width"]["set_by"]["uri"] == "toy/widen?factor=2"
    assert mat["layers[1].width"]["set_by"]["file"] == "experiments/wide.py"
    assert item["written"][0]["kind"] == "type_changed"  # a Trainer became a Derived
    text = ok(graft(root, "diff", "baseline", "wide"))
    assert "layers[1].width: 8 → 16" in text and "set by toy/widen?factor=2" in text
    # files and REV:path
    (item,) = json.loads(
        ok(
            graft(
                root,
                "diff",
                "HEAD:experiments/wide.py",
                "experiments/wide_lr.py",
                "--format",
                "json",
            )
        )
    )
    assert [d["path"] for d in item["materialized"]] == ["optimizer.learning_rate"]
    # run ids: what actually ran
    (item,) = json.loads(ok(graft(root, "diff", run_a["id"], run_b["id"], "--format", "json")))
    assert {d["path"] for d in item["materialized"]} == {
        "layers[0].width",
        "layers[1].width",
        "optimizer.learning_rate",
    }
    md = ok(graft(root, "diff", "wide", "wide_lr", "--format", "md"))
    assert "| experiment | status |" in md and "<details>" in md
    assert "are the same" in ok(graft(root, "diff", "wide", "experiments/wide.py"))
    line = user_error(graft(root, "diff", "wide", "nothing-like-this"))
    assert "neither an experiment" in line
    line = user_error(graft(root, "diff", "nope:experiments/wide.py", "wide"))
    assert "unknown revision 'nope'" in line


def test_textconv_and_the_git_diff_driver(toy: Path) -> None:
    (toy / ".gitattributes").write_text("experiments/**/*.py diff=graft\n")
    git(toy, "config", "diff.graft.textconv", f'"{sys.executable}" -m graftlab.cli textconv')
    git(toy, "add", ".gitattributes")
    git(toy, "commit", "-qm", "diff driver")
    path = toy / "experiments" / "baseline.py"
    canonical = path.read_text()
    messy = (
        '"""The baseline."""\nfrom toy import Trainer, Optimizer, Layer\n'
        "experiment = Trainer(optimizer=Optimizer(learning_rate=0.1),\n"
        "    layers=[Layer(width=4),\n            Layer(width=8)], steps=3)\n"
    )
    path.write_text(messy)
    assert ok(graft(toy, "textconv", "experiments/baseline.py")) == canonical
    env = graft_env()
    assert git(toy, "diff", "--no-textconv", env=env) != ""  # the bytes did change
    assert git(toy, "diff", env=env) == ""  # but nothing that matters
    path.write_text(messy.replace("width=8", "width=9"))
    semantic = git(toy, "diff", env=env)
    changed = [
        ln for ln in semantic.splitlines() if ln[:1] in "+-" and ln[:3] not in ("+++", "---")
    ]
    assert changed == [
        "-    layers=[Layer(width=4), Layer(width=8)],",
        "+    layers=[Layer(width=4), Layer(width=9)],",
    ]
    # a file that does not load is shown as it is
    (toy / "experiments" / "syn.py").write_text("experiment = (\n")
    assert ok(graft(toy, "textconv", "experiments/syn.py")) == "experiment = (\n"


# --- conventions -----------------------------------------------------------------------------

COMMANDS = [
    "init", "ls", "show", "lineage", "run", "runs", "compare",
    "diff", "review", "textconv", "push", "pull",
]  # fmt: skip


def test_help_of_every_command_shows_an_example(tmp_path: Path) -> None:
    code = (
        "import contextlib, io, sys\n"
        "from graftlab.cli.main import main\n"
        "for cmd in sys.argv[1:]:\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        try:\n"
        "            main([cmd, '--help'])\n"
        "        except SystemExit as e:\n"
        "            assert e.code == 0, (cmd, e.code)\n"
        "    text = buf.getvalue()\n"
        "    assert text.startswith('usage: graft ' + cmd), (cmd, text)\n"
        "    assert 'Example' in text and 'graft ' + cmd in text.split('Example', 1)[1], cmd\n"
        "print('checked', len(sys.argv) - 1)\n"
    )
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-c", code, *COMMANDS], cwd=tmp_path, capture_output=True, text=True,
        env=graft_env(), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"checked {len(COMMANDS)}"
    for cmd in ("run", "review"):  # and through the real entry point
        out = ok(graft(tmp_path, cmd, "--help"))
        assert "Example" in out and f"graft {cmd}" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "basline"), "did you mean 'baseline'"),
        (("show", "nope-nothing"), "no experiment named 'nope-nothing'"),
        (("run",), "name an experiment"),
        (("runs", "--json", "extra", "more"), None),  # argparse: exit 2
        (("run", "--resume", "zzz"), "no run with id 'zzz'"),
    ],
)
def test_mistakes_print_one_line_without_traceback(
    toy: Path, args: tuple[str, ...], message: str | None
) -> None:
    proc = graft(toy, *args)
    if message is None:
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        return
    assert message in user_error(proc)


def test_outside_a_repository(tmp_path: Path) -> None:
    for args in (("ls",), ("runs",), ("run", "x"), ("review", "HEAD")):
        line = user_error(graft(tmp_path, *args))
        assert "not a graftlab repository" in line and "graft init" in line


def test_debug_shows_the_traceback(toy: Path) -> None:
    proc = graft(toy, "--debug", "run", "basline")
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "did you mean 'baseline'" in proc.stderr


# --- smaller things a new user trips over ---------------------------------------------------


def test_lineage_reports_experiments_in_a_cycle(toy: Path) -> None:
    exp = toy / "experiments"
    for a, b in (("loop_a", "loop_b"), ("loop_b", "loop_a")):
        (exp / f"{a}.py").write_text(
            f'from graftlab import Derived\n\nexperiment = Derived(base="{b}", patches=[])\n'
        )
    proc = graft(toy, "lineage")
    assert proc.returncode == 0
    assert "cycle: loop_a -> loop_b -> loop_a" in proc.stdout
    assert "2 experiment(s) derive from themselves" in proc.stderr
    assert "baseline" in proc.stdout


def test_graft_diff_is_headed_graft_diff(toy: Path) -> None:
    out = ok(graft(toy, "diff", "baseline", "wide"))
    assert out.startswith("graft diff baseline → wide") and "graft review" not in out


def test_plot_metric_option_exists_and_filters(toy: Path, tmp_path: Path) -> None:
    assert "--metric" in ok(graft(toy, "plot", "--help"))
    run = json.loads(ok(graft(toy, "run", "baseline", "--json")))
    png = tmp_path / "loss.png"
    ok(graft(toy, "plot", run["id"], "--metric", "loss", "-o", str(png)))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    proc = graft(toy, "plot", run["id"], "--metric", "nope")
    assert proc.returncode == 1 and "recorded no metric nope" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_gc_removes_work_folders_nobody_needs(toy: Path) -> None:
    failed = json.loads(graft(toy, "run", "broken", "--json").stdout)
    runs = toy / ".git" / "graft" / "runs"
    assert (runs / failed["id"]).is_dir()  # kept: it may be resumed
    orphan = runs / "20200101-000000-000000"
    (orphan / "checkpoints").mkdir(parents=True)
    (orphan / "checkpoints" / "step").write_bytes(b"x" * 1000)
    out = ok(graft(toy, "gc"))
    assert "removed 20200101-000000-000000 (no run record" in out
    assert not orphan.exists() and (runs / failed["id"]).is_dir()
    assert "would remove " + failed["id"] in ok(graft(toy, "gc", "--older-than", "0", "--dry-run"))
    assert (runs / failed["id"]).is_dir()
    ok(graft(toy, "gc", "--older-than", "0"))
    assert not (runs / failed["id"]).exists()
    # the record itself is untouched
    assert json.loads(ok(graft(toy, "runs", "--json")))[0]["id"] == failed["id"]

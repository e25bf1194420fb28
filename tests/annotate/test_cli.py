"""Command-line tests, run as ``python -m graftlab.annotate`` in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, run_cli

MODEL = "class Model:\n    def __init__(self, width):\n        self.width = width\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project: annotatable files, a clean one and a syntax error."""
    pkg = tmp_path / "proj" / "pkg"
    pkg.mkdir(parents=True)
    for i in range(10):
        (pkg / f"mod{i}.py").write_text(f'"""Module {i}."""\n\nimport os\n\n\n' + MODEL)
    (pkg / "clean.py").write_text("VALUE = 1\n")
    (pkg / "broken.py").write_text("class Broken:\n    def __init__(self, x:\n        pass\n")
    hidden = tmp_path / "proj" / ".venv"
    hidden.mkdir()
    (hidden / "skipped.py").write_text(MODEL)
    return tmp_path / "proj"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_diff_writes_nothing(project: Path) -> None:
    before = _snapshot(project)
    proc = run_cli(str(project), "--diff", "-q")
    assert proc.returncode == 0, proc.stderr
    assert _snapshot(project) == before
    assert proc.stdout.count("+@symbolize\n") == 10
    assert "+from graftlab import symbolize\n" in proc.stdout
    assert f"--- a/{project}/pkg/mod0.py" in proc.stdout
    assert "skipped.py" not in proc.stdout


def test_check_exit_codes_and_second_run(project: Path) -> None:
    (project / "pkg" / "broken.py").unlink()
    before = _snapshot(project)
    proc = run_cli(str(project), "--check", "-q")
    assert proc.returncode == 1
    assert _snapshot(project) == before
    listed = [line for line in proc.stdout.splitlines() if line.startswith("would annotate")]
    assert len(listed) == 10
    proc = run_cli(str(project), "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    assert "files changed" in proc.stderr and "classes annotated" in proc.stderr
    after = _snapshot(project)
    assert after != before and after["pkg/clean.py"] == before["pkg/clean.py"]
    proc = run_cli(str(project), "--check", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _snapshot(project) == after


def test_syntax_error_is_reported_and_run_goes_on(project: Path) -> None:
    proc = run_cli(str(project), "--jobs", "2", "-q")
    assert proc.returncode == 0
    broken = project / "pkg" / "broken.py"
    assert f"{broken}:2:" in proc.stderr and "syntax error" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert b"@symbolize" in (project / "pkg" / "mod9.py").read_bytes()
    proc = run_cli(str(project), "--check", "-q")
    assert proc.returncode == 1  # the syntax error still fails --check


def test_json_report(project: Path) -> None:
    proc = run_cli(str(project), "--json", "--diff")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["mode"] == "diff"
    assert report["files_scanned"] == 12
    assert report["files_changed"] == 10
    assert report["classes_annotated"] == 10
    assert report["errors"] == 1
    by_path = {Path(f["path"]).name: f for f in report["files"]}
    assert by_path["broken.py"]["error"]["line"] == 2
    assert by_path["mod3.py"]["annotated"][0]["name"] == "Model"
    assert by_path["mod3.py"]["annotated"][0]["line"] == 6
    assert "+@symbolize" in by_path["mod3.py"]["diff"]


def test_verbose_lists_skips(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "class E(Exception):\n    pass\n\n\nclass V:\n    def __init__(self, *a):\n        pass\n"
    )
    proc = run_cli(str(path), "-v", "--check")
    assert proc.returncode == 0
    assert f"{path}:1: class E skipped (exception)" in proc.stderr
    assert f"{path}:5: class V skipped (varargs-only)" in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["does-not-exist.py"], "no such file or directory: does-not-exist.py"),
        ([".", "--exclude", "Foo["], "unclosed '['"),
        ([".", "--select", "widgets"], "unknown --select category 'widgets'"),
        ([".", "--jobs", "0"], "--jobs must be at least 1"),
        ([], "give at least one PATH"),
        ([".", "--bogus-flag"], "unrecognized arguments: --bogus-flag"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_cli(*args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert message in lines[0]
    assert "Traceback" not in proc.stderr


def test_config_file_is_used(tmp_path: Path) -> None:
    (tmp_path / "graft.toml").write_text('[annotate]\nexclude = ["Model"]\n')
    (tmp_path / "m.py").write_text(MODEL)
    proc = run_cli("m.py", "--check", "--json", cwd=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["skipped"] == {"excluded": 1}
    proc = run_cli("m.py", "--check", "--no-config", "-q", cwd=tmp_path)
    assert proc.returncode == 1


def test_write_preserves_mode_and_bytes(tmp_path: Path) -> None:
    for name in ("crlf", "latin1", "bom"):
        shutil.copy(FIXTURES / f"{name}.in.py", tmp_path / f"{name}.py")
    script = tmp_path / "crlf.py"
    os.chmod(script, 0o750)
    proc = run_cli(str(tmp_path), "-q", "--jobs", "1")
    assert proc.returncode == 0, proc.stderr
    for name in ("crlf", "latin1", "bom"):
        assert (tmp_path / f"{name}.py").read_bytes() == (FIXTURES / f"{name}.out.py").read_bytes()
    assert stat.S_IMODE(script.stat().st_mode) == 0o750
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".graft-annotate-")]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks")
def test_symlink_target_is_rewritten(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    real.write_text(MODEL)
    link = tmp_path / "link.py"
    link.symlink_to(real)
    proc = run_cli(str(link), "-q")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink()
    assert "@symbolize" in real.read_text()


def test_select_functions_and_factory_pattern(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_text("def new_model(width):\n    return width\n\n\ndef make_x(y):\n    return y\n")
    proc = run_cli(str(path), "--select", "functions", "--factory-pattern", "new_*", "--json")
    report = json.loads(proc.stdout)
    assert report["functions_annotated"] == 1
    assert report["files"][0]["annotated"][0]["name"] == "new_model"


def test_external_mode(tmp_path: Path) -> None:
    out = tmp_path / "rich_symbolic.py"
    proc = run_cli("--external", "rich", "--output", str(out), "-q")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert text.startswith("# Generated by `graft annotate --external rich`")
    assert "import graftlab as gl\n" in text
    assert "import rich.console\n" in text
    assert "Console = gl.symbolize(rich.console.Console)\n" in text
    assert "rich._" not in text  # private modules are left out
    compile(text, str(out), "exec")
    proc = run_cli("--external", "rich", "--output", str(out), "--check", "-q")
    assert proc.returncode == 0
    out.write_text(text.replace("Console = ", "Konsole = "))
    proc = run_cli("--external", "rich", "--output", str(out), "--check", "-q")
    assert proc.returncode == 1
    proc = run_cli("--external", "no_such_package_xyz", "--output", str(out))
    assert proc.returncode == 2
    assert "no installed package or module named 'no_such_package_xyz'" in proc.stderr

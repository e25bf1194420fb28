"""``graft fmt`` end to end: the real command in a subprocess, on a repository in a temp dir."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TEAM_LIB = '''
"""The team's own symbolic components."""

import enum

import graftlab as gl


class Act(enum.Enum):
    RELU = "relu"
    GELU = "gelu"


@gl.symbolize
class Conv:
    def __init__(self, features: int, kernel_size: int = 3, activation: Act = Act.RELU) -> None:
        pass


@gl.symbolize
class Model:
    def __init__(self, layers: list[Conv], num_classes: int = 10) -> None:
        pass
'''

MESSY = '''"""Baseline."""
# imports
from teamlib import Model, Conv, Act  # Act is unused
stem = Conv(32, kernel_size=3)
# the experiment
experiment = Model(layers=[stem, Conv(activation=Act.GELU, features=64)],  # two layers
    num_classes=10)
'''

CANONICAL = '''"""Baseline."""

# imports
# Act is unused

from teamlib import Act, Conv, Model

stem = Conv(features=32, kernel_size=3)

# the experiment
experiment = Model(
    layers=[stem, Conv(features=64, activation=Act.GELU)],  # two layers
    num_classes=10,
)
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "graft.toml").write_text('[graft]\nallowed_modules = ["teamlib"]\n')
    (tmp_path / "teamlib.py").write_text(TEAM_LIB)
    (tmp_path / "experiments").mkdir()
    return tmp_path


def graft(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # No COLUMNS: output to a pipe must not be wrapped at 80 columns.
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    for name in ("PYTHONPATH", "COLUMNS", "LINES"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "graftlab.cli", "fmt", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_rewrites_into_canonical_form(repo: Path) -> None:
    path = repo / "experiments" / "base.py"
    path.write_text(MESSY)
    path.chmod(0o640)
    r = graft(str(path), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert path.read_text() == CANONICAL
    assert f"reformatted {path}" in r.stderr
    assert (path.stat().st_mode & 0o777) == 0o640
    assert sorted(os.listdir(path.parent)) == ["base.py"]  # no temporary files left
    # idempotent: a second run changes nothing
    r = graft(str(path), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert path.read_text() == CANONICAL
    assert "all files are in canonical form" in r.stderr


def test_check_lists_files_and_writes_nothing(repo: Path) -> None:
    messy = repo / "experiments" / "a.py"
    clean = repo / "experiments" / "b.py"
    messy.write_text(MESSY)
    clean.write_text(CANONICAL)
    before = messy.stat().st_mtime_ns
    r = graft("--check", "experiments", cwd=repo)
    assert r.returncode == 1
    assert "would reformat experiments/a.py" in r.stderr
    assert "b.py" not in r.stderr
    assert messy.read_text() == MESSY and messy.stat().st_mtime_ns == before
    assert clean.read_text() == CANONICAL
    r = graft("--check", str(clean), cwd=repo)
    assert r.returncode == 0
    assert "all files are in canonical form" in r.stderr


def test_diff_prints_a_unified_diff(repo: Path) -> None:
    path = repo / "experiments" / "base.py"
    path.write_text(MESSY)
    r = graft("--diff", str(path), cwd=repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"--- {path}\n+++ {path}\n@@ ")
    assert "-stem = Conv(32, kernel_size=3)\n" in r.stdout
    assert "+stem = Conv(features=32, kernel_size=3)\n" in r.stdout
    assert path.read_text() == MESSY  # --diff writes nothing
    # applying the diff's "+" side gives the canonical text
    assert "+from teamlib import Act, Conv, Model\n" in r.stdout


def test_file_with_errors_is_reported_and_left_alone(repo: Path) -> None:
    bad = repo / "experiments" / "bad.py"
    good = repo / "experiments" / "good.py"
    bad_text = "from teamlib import Conv\nexperiment = Conv(featurs=1)\n"
    bad.write_text(bad_text)
    good.write_text(MESSY)
    r = graft(str(bad), str(good), cwd=repo)
    assert r.returncode == 1
    assert f"{bad}:2:19: Conv has no argument 'featurs'; did you mean 'features'?" in r.stderr
    assert "Traceback" not in r.stderr
    assert bad.read_text() == bad_text
    assert good.read_text() == CANONICAL  # the good file is still formatted


def test_disallowed_import_is_reported_and_nothing_imported(repo: Path) -> None:
    marker = repo / "marker"
    (repo / "sneaky.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    bad = repo / "experiments" / "bad.py"
    bad.write_text("import sneaky\nexperiment = 1\n")
    r = graft(str(bad), cwd=repo)
    assert r.returncode == 1
    assert f"{bad}:1:8: import of 'sneaky' is not allowed" in r.stderr
    assert not marker.exists()


def test_syntax_and_encoding_errors(repo: Path) -> None:
    bad = repo / "experiments" / "bad.py"
    bad.write_bytes(b"experiment = [1,\n")
    r = graft(str(bad), cwd=repo)
    assert r.returncode == 1
    assert f"{bad}:1:14: syntax error" in r.stderr
    bad.write_bytes(b"x = 1\ny = '\xff'\n")
    r = graft(str(bad), cwd=repo)
    assert r.returncode == 1
    assert f"{bad}:2:6: the file is not UTF-8 text" in r.stderr
    assert bad.read_bytes() == b"x = 1\ny = '\xff'\n"


def test_directories_are_searched_and_hidden_ones_skipped(repo: Path) -> None:
    (repo / "experiments" / "sub").mkdir()
    (repo / "experiments" / ".hidden").mkdir()
    inner = repo / "experiments" / "sub" / "x.py"
    hidden = repo / "experiments" / ".hidden" / "y.py"
    inner.write_text(MESSY)
    hidden.write_text(MESSY)
    (repo / "experiments" / "notes.txt").write_text("not python")
    r = graft("experiments", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert inner.read_text() == CANONICAL
    assert hidden.read_text() == MESSY


def test_missing_path_is_a_clear_error(repo: Path) -> None:
    r = graft("nope.py", cwd=repo)
    assert r.returncode == 1
    assert "nope.py: no such file or directory" in r.stderr
    assert "Traceback" not in r.stderr


def test_help_mentions_check_and_diff(repo: Path) -> None:
    r = graft("--help", cwd=repo)
    assert r.returncode == 0
    assert "--check" in r.stdout and "--diff" in r.stdout


def test_empty_file_stays_empty(repo: Path) -> None:
    empty = repo / "experiments" / "__init__.py"
    empty.write_text("")
    r = graft("--check", "experiments", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert empty.read_text() == ""


def test_keeps_defaults_references_and_comments(repo: Path) -> None:
    text = textwrap.dedent(
        """\
        from teamlib import Conv, Model

        # shared
        stem = Conv(features=8, kernel_size=3)

        experiment = Model(
            # the layers
            layers=[stem, stem],
            num_classes=10,  # the default, written
        )
        """
    )
    path = repo / "experiments" / "keep.py"
    path.write_text(text)
    r = graft("--check", str(path), cwd=repo)
    assert r.returncode == 0, r.stderr + path.read_text()
    assert path.read_text() == text


def test_long_messages_and_odd_paths_are_printed_verbatim(repo: Path) -> None:
    deep = repo / "experiments" / "a_rather_long_directory_name" / "[bold]another_one"
    deep.mkdir(parents=True)
    bad = deep / "an_experiment_with_a_long_name.py"
    bad.write_text("import os\nexperiment = 1\n")
    messy = deep / "messy.py"
    messy.write_text(MESSY)
    r = graft("--check", "experiments", cwd=repo)
    assert r.returncode == 1
    rel = bad.relative_to(repo)
    # one line per error, however long; no markup applied to file names
    assert (
        f"{rel}:1:8: import of 'os' is not allowed: allowed modules are graftlab, teamlib "
        "(add it to allowed_modules in graft.toml)\n"
    ) in r.stderr
    assert f"would reformat {messy.relative_to(repo)}\n" in r.stderr

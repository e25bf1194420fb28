"""A rule package end to end: ``graft rules new`` scaffolds it, pip really installs it (into a
target directory put on the path), its own test passes, ``graft patches --package`` lists it,
a derived experiment applies it, a run's environment records its version, and without it a
namespaced URI says which package to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

BASELINE = """\
from graftlab.ml import CNN, Conv, ConvBlock, Dense, Digits, Experiment, MaxPool, ReLU, Trainer

experiment = Experiment(
    model=CNN(
        layers=[
            ConvBlock(conv=Conv(features=8), activation=ReLU()),
            MaxPool(),
            ConvBlock(conv=Conv(features=16), activation=ReLU()),
        ],
        head=Dense(features=10),
    ),
    dataset=Digits(),
    trainer=Trainer(steps=5, batch_size=16),
)
"""

WIDE = """\
from graftlab import Derived

experiment = Derived(
    base="baseline",
    patches=[
        "team_b/widen_convs?factor=2",
    ],
)
"""


def run(cwd: Path, *args: str, site: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    paths = [str(site)] if site else []
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(SRC)])
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(package source, site directory it was pip-installed into)."""
    root = tmp_path_factory.mktemp("rulepkg")
    r = run(root, "-m", "graftlab.cli", "rules", "new", "team_b", "--dir", "pkg")
    assert r.returncode == 0, r.stderr
    assert "created the rule package 'team_b'" in r.stdout
    r = run(root, "-m", "pip", "install", "-q", "--no-deps", "--target", "site", "./pkg")
    assert r.returncode == 0, r.stderr
    return root / "pkg", root / "site"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "experiments").mkdir()
    (tmp_path / "graft.toml").write_text(
        '[graft]\nallowed_modules = []\n\n[rule_packages]\nteam_b = "team-b-rules>=0.1"\n'
    )
    (tmp_path / "experiments" / "baseline.py").write_text(BASELINE)
    (tmp_path / "experiments" / "wide.py").write_text(WIDE)
    return tmp_path


def test_scaffold_layout_and_its_own_test_passes(installed: tuple[Path, Path]) -> None:
    pkg, site = installed
    pyproject = (pkg / "pyproject.toml").read_text()
    assert '[project.entry-points."graftlab.patches"]' in pyproject
    assert 'team_b = "team_b_rules.rules"' in pyproject
    assert (site / "team_b_rules-0.1.0.dist-info" / "entry_points.txt").is_file()
    r = run(pkg, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests", site=site)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "2 passed" in r.stdout


def test_patches_lists_the_package_rules(installed: tuple[Path, Path], repo: Path) -> None:
    _, site = installed
    r = run(repo, "-m", "graftlab.cli", "patches", "--package", "team-b-rules", "--json", site=site)
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert [x["name"] for x in found] == ["team_b/widen_convs"]
    assert found[0]["roles"] == ["conv"] and found[0]["package"] == "team-b-rules"
    assert found[0]["help"].startswith("Multiply the output channels")
    r = run(repo, "-m", "graftlab.cli", "patches", "--package", "team-b-rules", site=site)
    assert "    roles: conv\n    package: team-b-rules\n" in r.stdout  # plain text in a pipe
    r = run(repo, "-m", "graftlab.cli", "patches", "--package", "nope", site=site)
    assert r.returncode == 1
    assert "no installed rule package named 'nope'" in r.stderr
    assert "team-b-rules" in r.stderr


def test_derived_experiment_applies_the_installed_rule(
    installed: tuple[Path, Path], repo: Path
) -> None:
    _, site = installed
    r = run(repo, "-m", "graftlab.cli", "show", "wide", "--materialized", site=site)
    assert r.returncode == 0, r.stderr
    text = r.stdout.replace(" ", "")
    assert "Conv(features=16)" in text and "Conv(features=32)" in text
    assert "head=Dense(features=10)" in text  # the head is not a conv


def test_a_run_records_rule_package_versions(installed: tuple[Path, Path], repo: Path) -> None:
    _, site = installed
    code = "import json; from graftlab.repo import environment; print(json.dumps(environment.capture()['rule_packages']))"
    r = run(repo, "-c", code, site=site)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["team-b-rules"] == "0.1.0"


def test_missing_package_is_named(repo: Path) -> None:
    r = run(repo, "-m", "graftlab.cli", "show", "wide", "--materialized")
    assert r.returncode == 1
    err = " ".join(r.stderr.split())
    assert "no patch rule named 'team_b/widen_convs'" in err
    assert "rule package 'team-b-rules>=0.1', which is not installed" in err
    assert "pip install 'team-b-rules>=0.1'" in err

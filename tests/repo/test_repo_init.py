"""``graft init``: a new repository from the template, committed, with the diff driver."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from graft_toy_repo import IDENTITY, git

import graftlab as gl
from graftlab.repo.init import init_repo, slug, template_dir, textconv_command
from graftlab.repo.static import static_info

EXPECTED = [
    "graft.toml",
    "README.md",
    ".gitattributes",
    ".gitignore",
    ".pre-commit-config.yaml",
    ".vscode/settings.json",
    ".vscode/extensions.json",
    ".github/workflows/graft-review.yml",
    "patches/__init__.py",
]


def template_files() -> set[str]:
    root = template_dir()
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


@pytest.fixture
def identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in IDENTITY.items():
        monkeypatch.setenv(key, value)


def test_init_lays_down_the_template(tmp_path: Path, identity: None) -> None:
    dest = init_repo(tmp_path / "My Lab")
    laid = {
        p.relative_to(dest).as_posix()
        for p in dest.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(dest).parts
    }
    assert set(EXPECTED) <= laid
    assert laid == template_files() | {"requirements-graft.txt"}
    assert (dest / "experiments").is_dir() or not (template_dir() / "experiments").is_dir()


def test_init_fills_in_names(tmp_path: Path, identity: None) -> None:
    dest = init_repo(tmp_path / "vision-lab")
    for path in dest.rglob("*"):
        if path.is_file() and ".git" not in path.relative_to(dest).parts:
            text = path.read_text(encoding="utf-8")
            assert "{{name}}" not in text and "{{slug}}" not in text, path
    assert 'name = "vision-lab"' in (dest / "graft.toml").read_text()
    assert (dest / "README.md").read_text().startswith("# vision-lab")
    assert '"vision_lab/' in (dest / "patches" / "__init__.py").read_text()
    # GitHub's own ${{ ... }} expressions are left alone
    assert "${{ github.base_ref }}" in (dest / ".github/workflows/graft-review.yml").read_text()
    named = init_repo(tmp_path / "other", name="Team X")
    assert 'name = "Team X"' in (named / "graft.toml").read_text()


def test_init_makes_the_first_commit_and_configures_the_diff_driver(
    tmp_path: Path, identity: None
) -> None:
    dest = init_repo(tmp_path / "lab")
    assert git(dest, "log", "--format=%s").splitlines() == ["Start lab with graft init"]
    assert git(dest, "status", "--porcelain") == ""
    tracked = set(git(dest, "ls-files").split())
    assert set(EXPECTED) <= tracked
    assert git(dest, "config", "diff.graft.textconv").strip() == textconv_command()
    # no interpreter path is stored: moving the virtual environment keeps git diff working
    assert "graft textconv" in textconv_command() and sys.executable not in textconv_command()
    # the branch the template's README and workflow name
    assert git(dest, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert "diff=graft" in (dest / ".gitattributes").read_text()
    assert git(dest, "check-attr", "diff", "experiments/any.py").strip().endswith("graft")
    repo = gl.Repo(dest)
    assert repo.root == dest


def test_init_without_commit(tmp_path: Path) -> None:
    dest = init_repo(tmp_path / "lab", commit=False)
    assert (dest / ".git").is_dir()
    assert git(dest, "rev-parse", "--verify", "-q", "HEAD", check=False) == ""


def test_init_works_without_a_git_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    for key in list(os.environ):
        if key.startswith("GIT_") or key == "EMAIL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    dest = init_repo(tmp_path / "lab")
    author = git(dest, "log", "-1", "--format=%an <%ae>", env=dict(os.environ)).strip()
    assert author == "graft <graft@localhost>"


def test_init_refuses_a_non_empty_directory(tmp_path: Path, identity: None) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(gl.GraftError, match="exists and is not empty"):
        init_repo(dest)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(gl.GraftError):
        init_repo(afile)
    # an existing empty directory is fine
    empty = tmp_path / "empty"
    empty.mkdir()
    assert (init_repo(empty) / "graft.toml").is_file()


def test_template_experiments_have_a_baseline_and_derived_ones() -> None:
    exp = template_dir() / "experiments"
    files = sorted(exp.rglob("*.py"))
    assert files, "the template has no experiments"
    bases = {p.relative_to(exp).with_suffix("").as_posix(): static_info(p).base for p in files}
    assert all(static_info(p).error is None for p in files)
    roots = [n for n, b in bases.items() if b is None]
    derived = {n: b for n, b in bases.items() if b is not None}
    assert "baseline" in roots
    assert derived, "the template should show derived experiments"
    assert set(derived.values()) <= set(bases)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("my-exp", "my_exp"), ("Vision Lab!", "vision_lab"), ("3d", "repo_3d")],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_template_experiments_load_without_jax(tmp_path: Path) -> None:
    """A fresh repository's experiments load and materialize (no training, no JAX import)."""
    import subprocess
    import sys

    dest = init_repo(tmp_path / "fresh", "fresh")
    code = (
        "import sys, graftlab as gl\n"
        f"repo = gl.Repo({str(dest)!r})\n"
        "for n in repo.experiment_names():\n"
        "    repo.load(n)\n"
        "print(sorted(repo.experiment_names()), 'jax' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['baseline', 'fast_lr', 'wide'] False"


def test_git_diff_works_without_graft_on_the_path(tmp_path: Path, identity: None) -> None:
    """A shell without the virtual environment (no ``graft`` on PATH) still gets ``git diff``
    (plain text), and a run of a dirty tree records its diff instead of failing."""
    dest = init_repo(tmp_path / "lab")
    exp = next((dest / "experiments").glob("*.py"))
    exp.write_text(exp.read_text() + "\n# edited\n")
    env = {k: v for k, v in os.environ.items() if k != "PATH"}
    env["PATH"] = "/usr/bin:/bin"
    out = subprocess.run(
        ["git", "diff", "HEAD"], cwd=dest, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "# edited" in out

"""``graft init``: lay down a new experiment repository from ``repo_template/``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import git

from graftlab.repo.gitio import identity_env
from graftlab.symbolic.errors import GraftError

TEXT_SUFFIXES = {".py", ".toml", ".md", ".yml", ".yaml", ".json", ""}


def template_dir() -> Path:
    """Where the template lives (shipped inside the package)."""
    here = Path(__file__).resolve().parent / "template"
    if here.is_dir():
        return here
    raise GraftError("graftlab's repository template is missing from this installation")


def slug(name: str) -> str:
    """A name usable in rule names and module names."""
    s = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower()
    return s if s and not s[0].isdigit() else f"repo_{s}"


def textconv_command() -> str:
    """The diff driver command: ``graft`` from the PATH, so that moving or recreating a
    virtual environment never breaks ``git diff`` (no interpreter path is stored); where
    ``graft`` is not on the PATH (a shell without the venv), the file's plain text, so that
    ``git diff`` still works."""
    return (
        'sh -c \'if command -v graft >/dev/null 2>&1; then exec graft textconv "$1"; '
        'else exec cat "$1"; fi\' graft-textconv'
    )


REQUIREMENTS = "requirements-graft.txt"


def requirement() -> str:
    """The graftlab this repository is made with, as a pip requirement (no ML extra: review
    only materializes experiments). A git install is pinned to its commit, a release to its
    version."""
    import json
    from importlib import metadata

    try:
        dist = metadata.distribution("graftlab")
    except metadata.PackageNotFoundError:
        return "graftlab"
    try:
        direct = json.loads(dist.read_text("direct_url.json") or "{}")
    except ValueError:
        direct = {}
    vcs = direct.get("vcs_info") or {}
    url = str(direct.get("url", ""))
    if vcs.get("vcs") == "git" and vcs.get("commit_id") and not url.startswith("file:"):
        return f"graftlab @ git+{url}@{vcs['commit_id']}"
    return f"graftlab=={dist.version}"


def requirements_text() -> str:
    return (
        "# What CI installs to review pull requests (.github/workflows/graft-review.yml):\n"
        "# the graftlab this repository was created with. Change it when you upgrade.\n"
        f"{requirement()}\n"
    )


def init_repo(dest: Path, name: str | None = None, *, commit: bool = True) -> Path:
    """Create a repository at ``dest``; refuses a non-empty directory."""
    dest = dest.resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise GraftError(
            f"{dest}: exists and is not empty; graft init only creates new repositories"
        )
    name = name or dest.name
    src = template_dir()
    shutil.copytree(
        src, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for path in dest.rglob("*"):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            new = text.replace("{{name}}", name).replace("{{slug}}", slug(name))
            if new != text:
                path.write_text(new, encoding="utf-8")
    (dest / REQUIREMENTS).write_text(requirements_text(), encoding="utf-8")
    repo = git.Repo.init(dest, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value('diff "graft"', "textconv", textconv_command())
    if commit:
        repo.git.add("-A")
        repo.git.commit("-m", f"Start {name} with graft init", env=identity_env(repo))
    return dest

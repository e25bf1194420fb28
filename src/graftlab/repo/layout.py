"""``gl.Repo``: a graftlab repository — a git repository with a ``graft.toml``.

Finds experiments (``experiments/**/*.py`` by default), loads them by name, reads the
lineage graph (base → derived) from the files' syntax, saves experiments, and gives access
to the runs recorded under ``refs/graft/runs/``.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import git

from graftlab.io.config import GraftConfig, find_config, load_config
from graftlab.repo import records
from graftlab.repo.static import StaticInfo, static_info
from graftlab.symbolic.errors import GraftError

if TYPE_CHECKING:
    from graftlab.io.loader import LoadedFile


class RepoError(GraftError):
    """Not a graftlab repository, or an unknown experiment or run."""


class Repo:
    """A graftlab repository rooted at the directory that holds ``graft.toml``."""

    def __init__(self, path: str | Path = ".") -> None:
        start = Path(path).resolve()
        found = find_config(start)
        if found is None:
            raise RepoError(
                f"{start}: not a graftlab repository (no graft.toml here or above); "
                "`graft init DIR` creates one"
            )
        self.config: GraftConfig = load_config(found)
        self.root: Path = found.parent
        try:
            self.git = git.Repo(self.root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise RepoError(
                f"{self.root}: has graft.toml but is not a git repository (run `git init`)"
            ) from None
        # Reading the repository (``git status`` for dirty checks) must never rewrite the index.
        self.git.git.update_environment(GIT_OPTIONAL_LOCKS="0")
        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))

    # -- experiments ----------------------------------------------------------------------

    @property
    def experiments_dir(self) -> Path:
        return self.root / self.config.experiments

    def experiment_names(self) -> list[str]:
        """Every experiment name (``a/b`` for ``experiments/a/b.py``), sorted."""
        d = self.experiments_dir
        if not d.is_dir():
            return []
        return sorted(
            p.relative_to(d).with_suffix("").as_posix()
            for p in d.rglob("*.py")
            if not p.name.startswith("_")
            and not any(part.startswith(".") for part in p.relative_to(d).parts)
        )

    def path_of(self, name: str) -> Path:
        """The file of experiment ``name``; a ``RepoError`` suggests close names.

        ``name`` is a name under the experiments directory, or the path of any experiment
        file (``.py``): absolute, relative to the working directory, or relative to the
        repository root (how ``name_of`` spells a file outside the experiments directory).
        """
        if name.endswith(".py"):
            given = Path(name)
            bases = [Path()] if given.is_absolute() else [Path.cwd(), self.root]
            for base in bases:
                p = base / given
                if p.is_file():
                    return p.resolve()
        path = (self.experiments_dir / name).with_suffix(".py")
        if path.is_file():
            return path
        close = difflib.get_close_matches(name, self.experiment_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise RepoError(f"no experiment named {name!r}{hint}")

    def name_of(self, path: Path) -> str:
        """The experiment name of a file: its name under the experiments directory, else its
        path relative to the repository root (``configs/x.py``), else its absolute path; each
        one ``path_of`` finds again from anywhere in the repository."""
        full = path.resolve()
        try:
            return full.relative_to(self.experiments_dir.resolve()).with_suffix("").as_posix()
        except ValueError:
            pass
        try:
            return full.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return full.as_posix()

    def load_file(self, name: str, *, materialize: bool = True) -> LoadedFile:
        """Load an experiment file by name (materializing derived experiments by default)."""
        from graftlab.io.loader import load_file

        return load_file(self.path_of(name), materialize=materialize)

    def load(self, name: str, *, materialize: bool = True) -> Any:
        """The ``experiment`` of ``name``."""
        return self.load_file(name, materialize=materialize).get("experiment")

    def save(self, name: str, value: Any, *, docstring: str | None = None) -> Path:
        """Write ``value`` as experiment ``name`` (atomically, in canonical form)."""
        path = (self.experiments_dir / name).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        from graftlab.io.writer import save

        save(value, path, docstring=docstring)
        return path

    def static(self, name: str) -> StaticInfo:
        """Base and chain of ``name`` as written, without building anything."""
        return static_info(self.path_of(name))

    def lineage(self) -> dict[str, str | None]:
        """Every experiment's base (``None`` for root experiments)."""
        return {
            n: static_info((self.experiments_dir / n).with_suffix(".py")).base
            for n in self.experiment_names()
        }

    def derived_from(self, name: str) -> list[str]:
        """Experiments whose base is ``name``, directly."""
        return [n for n, b in self.lineage().items() if b == name]

    # -- runs -------------------------------------------------------------------------------

    def runs(self, experiment: str | None = None) -> list[records.RunRecord]:
        """Recorded runs, newest first (only those of ``experiment`` if given)."""
        if experiment is not None:
            ids = [
                rid
                for rid, _sha, subj in records.list_refs(self.git)
                if (records.parse_subject(subj) or ("", ""))[0] == experiment
            ]
            return records.read_records(self.git, ids)
        return records.read_records(self.git)

    def last_status(self) -> dict[str, str]:
        """The status of each experiment's latest run, from one git call."""
        out: dict[str, str] = {}
        running: dict[str, str] = {}
        for rid, _sha, subj in records.list_refs(self.git):
            parsed = records.parse_subject(subj)
            if parsed and parsed[0] not in out:
                out[parsed[0]] = parsed[1]
                if parsed[1] == "running":
                    running[rid] = parsed[0]
        if running:  # a run whose process is gone reads as interrupted
            for rec in records.read_records(self.git, list(running)):
                out[running[rec.id]] = rec.effective_status()
        return out

    def run(
        self, name: str, overrides: list[str] | tuple[str, ...] = (), **options: Any
    ) -> records.RunRecord:
        """Run experiment ``name`` and record the run (see ``graftlab.repo.runner.execute``)."""
        from graftlab.repo.runner import execute

        return execute(self, name, list(overrides), **options)

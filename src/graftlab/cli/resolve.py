"""Finding experiments named on the command line: a file path, or a name under experiments/."""

from __future__ import annotations

from pathlib import Path

from graftlab.io.config import config_for
from graftlab.symbolic.errors import GraftError


def experiment_path(name_or_path: str, cwd: Path | None = None) -> Path:
    """The file for ``NAME`` (``experiments/NAME.py`` of the repository) or a path as given."""
    cwd = cwd or Path.cwd()
    as_path = Path(name_or_path)
    if as_path.suffix == ".py" or as_path.is_file():
        full = as_path if as_path.is_absolute() else cwd / as_path
        if not full.is_file():
            raise GraftError(f"{name_or_path}: no such file")
        return full
    config = config_for(cwd)
    root = config.experiments_dir or cwd
    candidate = (root / name_or_path).with_suffix(".py")
    if candidate.is_file():
        return candidate
    import difflib

    names = (
        sorted(str(p.relative_to(root).with_suffix("")) for p in root.rglob("*.py"))
        if root.is_dir()
        else []
    )
    close = difflib.get_close_matches(name_or_path, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise GraftError(f"no experiment named {name_or_path!r} (looked for {candidate}){hint}")

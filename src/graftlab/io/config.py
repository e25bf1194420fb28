"""``graft.toml``: the repository configuration the loader needs (allowed modules).

The configuration comes from the repository root only: walking up from a file's directory,
the outermost ``graft.toml`` below the git work tree's top (the directory holding ``.git``)
wins, so a ``graft.toml`` that a pull request adds in a subfolder (``experiments/sub/``)
cannot widen what experiment files may import. The repository layer reads the rest of the
file; here only ``[graft] allowed_modules`` matters, plus the root (put on ``sys.path`` so
the team's own modules import).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_NAME = "graft.toml"
ALWAYS_ALLOWED = ("graftlab",)


@dataclass
class GraftConfig:
    """The parts of ``graft.toml`` the format needs."""

    root: Path | None = None
    allowed_modules: tuple[str, ...] = ()
    experiments: str = "experiments"
    patch_modules: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def experiments_dir(self) -> Path | None:
        """Where experiments live (``[graft] experiments``, default ``experiments/``)."""
        return self.root / self.experiments if self.root is not None else None

    @property
    def all_allowed(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*ALWAYS_ALLOWED, *self.allowed_modules)))


def find_config(start: Path) -> Path | None:
    """The repository root's ``graft.toml`` for ``start``: the outermost one at or above it.

    The walk stops at the top of the git work tree (a directory holding ``.git``), so a
    repository nested in another (a submodule) keeps its own root. ``graft.toml`` files
    below the root are ignored.
    """
    start = start.resolve()
    found = None
    for d in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            found = candidate
        if (d / ".git").exists():
            break
    return found


def load_config(path: Path) -> GraftConfig:
    """Read a ``graft.toml``; errors give the file and line."""
    # here, not at the top: the language server reads CONFIG_NAME before it needs errors
    from graftlab.io.errors import FormatError

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise FormatError(f"invalid TOML: {e}", None, file=str(path)) from None
    graft = raw.get("graft", {})
    allowed = graft.get("allowed_modules", [])
    if not isinstance(allowed, list) or not all(isinstance(m, str) for m in allowed):
        raise FormatError(
            "[graft] allowed_modules must be a list of module names", None, file=str(path)
        )
    experiments = graft.get("experiments", "experiments")
    if not isinstance(experiments, str):
        raise FormatError("[graft] experiments must be a directory name", None, file=str(path))
    patch_modules = graft.get("patch_modules", [])
    if not isinstance(patch_modules, list) or not all(isinstance(m, str) for m in patch_modules):
        raise FormatError(
            "[graft] patch_modules must be a list of module names", None, file=str(path)
        )
    return GraftConfig(path.parent, tuple(allowed), experiments, tuple(patch_modules), raw)


def config_for(path: Path | None) -> GraftConfig:
    """The configuration that governs a file (an empty one if there is no ``graft.toml``).

    Parsed once per ``graft.toml`` and version (its modification time and size), so that
    loading a thousand experiments does not parse it a thousand times.
    """
    if path is None:
        return GraftConfig()
    found = find_config(path)
    if not found:
        return GraftConfig()
    try:
        st = found.stat()
    except OSError:
        return load_config(found)
    key = (str(found), st.st_mtime_ns, st.st_size)
    cached = _CONFIGS.get(key)
    if cached is None:
        cached = _CONFIGS[key] = load_config(found)
    return cached


_CONFIGS: dict[tuple[str, int, int], GraftConfig] = {}

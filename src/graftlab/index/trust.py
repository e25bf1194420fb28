"""Which workspaces the language server may run code for (``graft trust``, direnv-style).

Opening a file of a stranger's clone must run none of its code: the server starts
restricted (static index only, no loader worker) unless the client says the workspace is
trusted, ``graft lsp --trusted`` is given, or the user allowed the repository with
``graft trust``. That records the root and a hash of its ``graft.toml`` in the user's
configuration directory (``$XDG_CONFIG_HOME/graftlab/trusted.json``, by default
``~/.config/graftlab/trusted.json``): a changed ``graft.toml`` (which names the modules the
loader imports) needs a new ``graft trust``; ``graft trust --revoke`` forgets the root.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from graftlab.io.config import CONFIG_NAME


def config_dir() -> Path:
    """The user's graftlab configuration directory (honours ``XDG_CONFIG_HOME``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "graftlab"


def store_file() -> Path:
    return config_dir() / "trusted.json"


def config_hash(root: Path) -> str | None:
    """The SHA-256 of the root's ``graft.toml`` (``None`` when it has none)."""
    path = Path(root) / CONFIG_NAME
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _load() -> dict[str, str]:
    try:
        data = json.loads(store_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    roots = data.get("roots") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in roots.items()} if isinstance(roots, dict) else {}


def _save(roots: dict[str, str]) -> None:
    path = store_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".trusted-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"roots": dict(sorted(roots.items()))}, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)  # never half-written


def trust(root: Path) -> str:
    """Allow the repository at ``root`` as it is now; returns the recorded hash."""
    root = Path(root).resolve()
    digest = config_hash(root)
    if digest is None:
        raise FileNotFoundError(f"{root / CONFIG_NAME}: no {CONFIG_NAME} here to trust")
    roots = _load()
    roots[str(root)] = digest
    _save(roots)
    return digest


def revoke(root: Path) -> bool:
    """Forget ``root``; True if it was trusted."""
    roots = _load()
    found = roots.pop(str(Path(root).resolve()), None) is not None
    if found:
        _save(roots)
    return found


def is_trusted(root: Path | None) -> bool:
    """Whether ``root`` was allowed with ``graft trust`` and its ``graft.toml`` is unchanged."""
    if root is None:
        return False
    root = Path(root).resolve()
    recorded = _load().get(str(root))
    return recorded is not None and recorded == config_hash(root)

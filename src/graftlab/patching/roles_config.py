"""Role declarations from ``graft.toml`` (``[roles]``), read once per file version.

Rules written against roles reach a third-party class only when the repository says which
role it plays; this applies that part of the configuration before any rule runs. Nothing
is imported: classes are named by their qualified names.
"""

from __future__ import annotations

from typing import Any

from graftlab.io.config import GraftConfig
from graftlab.symbolic.roles import declare_from_config

_SEEN: dict[str, Any] = {}


def configure_roles(config: GraftConfig | None) -> int:
    """Declare the ``[roles]`` of ``config``; returns the number of classes declared."""
    if config is None or config.root is None:
        return 0
    table = config.raw.get("roles")
    if table is None:
        return 0
    file = str(config.root / "graft.toml")
    key = repr(table)
    if _SEEN.get(file) == key:
        return 0
    n = declare_from_config(table, file=file)
    _SEEN[file] = key
    return n

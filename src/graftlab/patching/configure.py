"""What ``graft.toml`` says about rules: role declarations (``[roles]``) and which package
provides each rule namespace (``[rule_packages]``), applied once per file version.

Rules written against roles reach a third-party class only when the repository says which
role it plays; a chain naming ``team_b/...`` can say which package to install only when the
repository says who provides ``team_b``. Nothing is imported: classes are named by their
qualified names.
"""

from __future__ import annotations

from typing import Any

from graftlab.io.config import GraftConfig
from graftlab.patching.errors import RuleRegistryError
from graftlab.patching.registry import set_known_providers
from graftlab.symbolic.roles import declare_from_config

_SEEN: dict[str, Any] = {}


def apply_config(config: GraftConfig | None) -> int:
    """Apply ``[roles]`` and ``[rule_packages]`` of ``config``; returns classes declared."""
    if config is None or config.root is None:
        return 0
    roles = config.raw.get("roles")
    packages = config.raw.get("rule_packages")
    if roles is None and packages is None:
        return 0
    file = str(config.root / "graft.toml")
    key = repr((roles, packages))
    if _SEEN.get(file) == key:
        return 0
    if packages is not None:
        if not isinstance(packages, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in packages.items()
        ):
            raise RuleRegistryError(
                f"{file}: [rule_packages] maps rule namespaces to package requirements "
                '(team_b = "team-b-rules>=1.0")'
            )
        set_known_providers(packages)
    n = declare_from_config(roles, file=file) if roles is not None else 0
    _SEEN[file] = key
    return n

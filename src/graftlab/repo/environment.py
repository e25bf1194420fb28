"""The environment of a run: Python, platform, package versions and devices."""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import Any

PACKAGES = (
    "graftlab",
    "jax",
    "jaxlib",
    "flax",
    "optax",
    "orbax-checkpoint",
    "numpy",
    "scikit-learn",
)


def capture() -> dict[str, Any]:
    """A JSON-able description of where a run ran (devices only if JAX is already loaded)."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": versions,
        "rule_packages": _rule_packages(),
    }
    jax = sys.modules.get("jax")
    if jax is not None:
        try:
            env["devices"] = [str(d) for d in jax.devices()]
            env["backend"] = jax.default_backend()
        except Exception as e:  # a broken accelerator setup must not lose the record
            env["devices_error"] = str(e)
    return env


def _rule_packages() -> dict[str, str]:
    """Versions of the installed rule packages (entry points ``graftlab.patches``)."""
    from graftlab.patching.registry import rule_packages

    return {name: info["version"] for name, info in rule_packages().items()}

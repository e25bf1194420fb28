"""The environment of a run: Python, platform, package versions and devices."""

from __future__ import annotations

import functools
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


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """Installed versions of ``PACKAGES`` (read once per process: reading package metadata
    costs milliseconds per package)."""
    found = []
    for name in PACKAGES:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            continue
    return tuple(found)


def capture() -> dict[str, Any]:
    """A JSON-able description of where a run ran (devices only if JAX is already loaded)."""
    versions = dict(_versions())
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": versions,
    }
    jax = sys.modules.get("jax")
    if jax is not None:
        try:
            env["devices"] = [str(d) for d in jax.devices()]
            env["backend"] = jax.default_backend()
        except Exception as e:  # a broken accelerator setup must not lose the record
            env["devices_error"] = str(e)
    return env

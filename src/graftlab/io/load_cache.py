"""A cache for loading many experiment files of one checkout at once, active only in a scope.

Review snapshots a whole revision: every experiment is loaded as written and materialized,
and a base is materialized once per experiment derived from it. Inside ``with
load_cache():`` each text is parsed once, and each experiment's materialized value is built
once and reused as the base of every experiment derived from it (``patch`` copies the base,
so the cached value is never changed). Keys hold the file's text, so an edited file is
loaded afresh; outside the scope nothing is cached (the language server and ``graft run``
always see the files as they are now).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ACTIVE: contextvars.ContextVar[LoadCache | None] = contextvars.ContextVar(
    "graft_load_cache", default=None
)


@dataclass
class LoadCache:
    """Parsed texts and materialized experiments of one scope."""

    parsed: dict[tuple[str, str, bool], Any] = field(default_factory=dict)
    values: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # (value, bases read)
    resolved: dict[Path, Path] = field(default_factory=dict)
    parses: int = 0  # how many texts were parsed (not served from the cache)
    builds: int = 0  # how many experiments were materialized (not served from the cache)


def active() -> LoadCache | None:
    """The cache of the enclosing ``load_cache()`` scope, if any."""
    return _ACTIVE.get()


@contextmanager
def load_cache() -> Iterator[LoadCache]:
    """Cache parses and materialized experiments until the scope ends."""
    cache = LoadCache()
    token = _ACTIVE.set(cache)
    try:
        yield cache
    finally:
        _ACTIVE.reset(token)


def resolve(path: Path) -> Path:
    """``path.resolve()``, once per path inside a scope (resolving walks every link)."""
    cache = _ACTIVE.get()
    if cache is None:
        return path.resolve()
    hit = cache.resolved.get(path)
    if hit is None:
        hit = cache.resolved[path] = path.resolve()
    return hit


def value_key(path: Any, data: bytes, config: Any, allowed: Any) -> tuple[Any, ...]:
    """The key of a file's materialized experiment: where, what it says, and under which
    configuration (root and allowed modules) it was loaded."""
    root = getattr(config, "root", None)
    return (str(path), data, str(root) if root is not None else None, allowed)

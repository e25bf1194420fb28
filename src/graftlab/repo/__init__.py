"""The git-native experiment repository: layout, lineage, runs, diff and review.

The names load on first use, so ``graftlab.repo.layout`` (``graft ls``) does not import the
runner, and importing any module of the package does not import them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graftlab._lazy import lazy_exports

_STATIC_ONLY = False
# For type checkers and graftlab's own static index; at run time through _LAZY.
if TYPE_CHECKING or _STATIC_ONLY:
    from graftlab.repo.context import RunContext
    from graftlab.repo.init import init_repo
    from graftlab.repo.layout import Repo, RepoError
    from graftlab.repo.records import RunRecord
    from graftlab.repo.runner import register_runner

_LAZY = {
    "RunContext": "graftlab.repo.context",
    "init_repo": "graftlab.repo.init",
    "Repo": "graftlab.repo.layout",
    "RepoError": "graftlab.repo.layout",
    "RunRecord": "graftlab.repo.records",
    "register_runner": "graftlab.repo.runner",
}

__all__ = ["Repo", "RepoError", "RunContext", "RunRecord", "init_repo", "register_runner"]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())

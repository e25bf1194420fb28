"""The git-native experiment repository: layout, lineage, runs, diff and review."""

from graftlab.repo.context import RunContext

__all__ = ["RunContext"]

"""The git-native experiment repository: layout, lineage, runs, diff and review."""

from graftlab.repo.context import RunContext
from graftlab.repo.init import init_repo
from graftlab.repo.layout import Repo, RepoError
from graftlab.repo.records import RunRecord
from graftlab.repo.runner import register_runner

__all__ = ["Repo", "RepoError", "RunContext", "RunRecord", "init_repo", "register_runner"]

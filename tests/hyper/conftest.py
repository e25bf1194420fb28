"""Fixtures of the hyper tests: a toy repository with search spaces."""

from conftest_shared import toy_repo, toy_root  # noqa: F401

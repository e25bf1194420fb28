"""Errors of search spaces and tuning: a user's mistake, said with the decision's name."""

from __future__ import annotations

from graftlab.symbolic.errors import GraftError


class HyperError(GraftError):
    """A search space that cannot be used as written (bad bounds, duplicate names...)."""


class DecisionError(HyperError):
    """Decisions that do not fit a space: missing, unknown, inactive or out of range."""

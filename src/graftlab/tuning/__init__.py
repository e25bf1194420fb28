"""Tuning: search a space with trials that are ordinary runs recorded in git."""

from graftlab.tuning.driver import TuneOptions, tune
from graftlab.tuning.store import TuneRecord, list_tunes, read_trials

__all__ = ["TuneOptions", "TuneRecord", "list_tunes", "read_trials", "tune"]

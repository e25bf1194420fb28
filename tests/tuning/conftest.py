"""Fixtures of the tuning tests: the toy repository of the hyper tests, with real git."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hyper"))

from conftest_shared import toy_repo, toy_root  # noqa: F401

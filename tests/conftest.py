"""Puts tests/ on sys.path: helpers that several areas' tests share live in tests/_support."""

import sys
from pathlib import Path

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

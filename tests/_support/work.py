"""Cost measured by counting work, never by timing: the number of calls (Python and builtin)
a function makes is deterministic, so a test can say that doubling an input at most about
doubles the work."""

from __future__ import annotations

import sys
from collections.abc import Callable


def work(fn: Callable[[], object]) -> int:
    """The number of calls (Python and builtin) ``fn`` makes."""
    count = 0

    def prof(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return count

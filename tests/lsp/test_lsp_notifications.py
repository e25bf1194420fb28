"""Notifications leave nothing behind in the protocol: pygls files the future of a generator
or thread handler by a fresh id and drops it only when answering a request, so before the fix
each ``didChange`` (handled through a generator) kept one future, and the server grew with
every edit."""

from __future__ import annotations

import threading
import time
from typing import Any

from graftlab_lsp.core import GraftServer


def _notify(ls: GraftServer, method: str, n: int) -> None:
    for i in range(n):
        ls.protocol._handle_notification(method, {"i": i})


def test_generator_notifications_are_forgotten() -> None:
    ls = GraftServer()
    seen: list[Any] = []

    @ls.feature("graftlab/testGenerator")
    def handler(ls: Any, params: Any) -> Any:
        seen.append(params)
        yield from ()

    _notify(ls, "graftlab/testGenerator", 200)
    assert len(seen) == 200
    assert len(ls.protocol._request_futures) == 0


def test_thread_notifications_are_forgotten() -> None:
    ls = GraftServer()
    done = threading.Semaphore(0)

    @ls.thread()
    @ls.feature("graftlab/testThread")
    def handler(ls: Any, params: Any) -> None:
        done.release()

    _notify(ls, "graftlab/testThread", 50)
    for _ in range(50):
        assert done.acquire(timeout=10)
    deadline = time.monotonic() + 10
    while ls.protocol._request_futures and time.monotonic() < deadline:
        time.sleep(0.01)  # the done callbacks run just after the handlers return
    assert len(ls.protocol._request_futures) == 0
    assert len(ls.protocol._tokens) == 0

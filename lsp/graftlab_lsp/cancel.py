"""``$/cancelRequest`` honoured for requests that already run.

pygls cancels a request only while it waits in the thread pool's queue; one that runs goes
on and answers with its result, holding a thread (the server has four) the whole time: while
an index is built, a few completions the editor gave up on block every later hover. Here a
cancelled request is answered at once with ``RequestCancelled`` (its late result is dropped),
and the handler, which runs with a cancel token, stops at its next ``check()`` or while it
waits (``wait``), freeing its thread.
"""

from __future__ import annotations

import functools
import threading
from concurrent.futures import Future
from typing import Any

from pygls.exceptions import JsonRpcRequestCancelled
from pygls.feature_manager import is_thread_function
from pygls.protocol import LanguageServerProtocol

_local = threading.local()


class Cancelled(Exception):
    """The client cancelled the request this thread runs."""


def check() -> None:
    """Raise ``Cancelled`` if the request running in this thread was cancelled."""
    token: threading.Event | None = getattr(_local, "token", None)
    if token is not None and token.is_set():
        raise Cancelled()


def wait(event: threading.Event, timeout: float) -> bool:
    """``event.wait(timeout)`` that stops (raising ``Cancelled``) when the request is cancelled."""
    token: threading.Event | None = getattr(_local, "token", None)
    if token is None:
        return event.wait(timeout)
    step = 0.02
    left = timeout
    while left > 0:
        if event.wait(min(step, left)):
            return True
        if token.is_set():
            raise Cancelled()
        left -= step
    return event.is_set()


class CancellableProtocol(LanguageServerProtocol):
    """pygls's protocol with cancellation of running thread handlers (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._tokens: dict[Any, threading.Event] = {}
        self._answered: set[Any] = set()
        self._cancel_lock = threading.Lock()

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Any,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        if is_thread_function(handler):
            token = threading.Event()
            with self._cancel_lock:
                self._tokens[msg_id] = token
            handler = _with_token(handler, token)
        if callback == self._check_handler_result:  # a notification: nobody answers it
            callback = self._forgetting(msg_id, callback)
        super()._execute_handler(msg_id, handler, callback, args, kwargs)

    def _forgetting(self, msg_id: Any, callback: Any) -> Any:
        """``callback``, after which a notification's future and token are dropped.

        pygls files the future of a generator or thread handler (every ``didChange`` passes
        through a generator) under a fresh id and removes it only when it sends a response:
        a notification's stayed for good, one per edit (the server grew ~9 MB per 1,000 edits).
        """

        def done(future: Future[Any]) -> None:
            with self._cancel_lock:
                self._tokens.pop(msg_id, None)
                if self._request_futures.get(msg_id) is future:
                    del self._request_futures[msg_id]
            callback(future)

        return done

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        with self._cancel_lock:
            token = self._tokens.get(msg_id)
            future = self._request_futures.get(msg_id)
        if token is None or future is None:
            super()._handle_cancel_notification(msg_id)
            return
        token.set()
        if future.cancel():  # still queued: pygls answers RequestCancelled itself
            return
        with self._cancel_lock:
            if future.done() or msg_id in self._answered:
                return  # it finished meanwhile: its result is (being) sent
            self._answered.add(msg_id)
            self._request_futures.pop(msg_id, None)
        self._send_cancelled(msg_id)

    def _send_handler_result(self, future: Future[Any], *, msg_id: Any) -> None:
        with self._cancel_lock:
            self._tokens.pop(msg_id, None)
            if msg_id in self._answered:
                self._answered.discard(msg_id)
                self._request_futures.pop(msg_id, None)
                return  # answered when it was cancelled
        if not future.cancelled() and isinstance(future.exception(), Cancelled):
            self._request_futures.pop(msg_id, None)
            self._send_cancelled(msg_id)
            return
        super()._send_handler_result(future, msg_id=msg_id)

    def _send_cancelled(self, msg_id: Any) -> None:
        """Answer request ``msg_id`` with RequestCancelled (as pygls words it)."""
        self._send_response(
            msg_id,
            error=JsonRpcRequestCancelled(
                f'Request with id "{msg_id}" is canceled'
            ).to_response_error(),
        )


def _with_token(handler: Any, token: threading.Event) -> Any:
    @functools.wraps(handler)
    def run(*args: Any, **kwargs: Any) -> Any:
        _local.token = token
        try:
            return handler(*args, **kwargs)
        finally:
            _local.token = None

    return run

"""The server's state: its roots (one index, worker and run records per graft.toml root),
work-done progress while an index is built, the poller, and diagnostics (``checking``)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from graftlab.io.config import CONFIG_NAME
from graftlab_lsp.cancel import CancellableProtocol
from graftlab_lsp.checking import CheckingMixin, DocState
from graftlab_lsp.convert import PositionsMixin, uri_to_path
from graftlab_lsp.roots import Root, nearest_root
from graftlab_lsp.version import server_version

log = logging.getLogger("graftlab_lsp")

__all__ = ["GraftServer", "log", "server_version"]


class GraftServer(CheckingMixin, PositionsMixin, LanguageServer):
    """The graftlab language server."""

    def __init__(self) -> None:
        super().__init__(
            "graftlab-lsp", server_version(), protocol_cls=CancellableProtocol, max_workers=4
        )
        self.trust_all = False  # --trusted, or the client said the workspace is trusted
        self.folders: list[Path] = []
        self.roots: dict[Path | None, Root] = {}
        self.docs: dict[str, DocState] = {}
        self._seq: dict[str, int] = {}
        self._pending: dict[str, tuple[str, int | None, int]] = {}
        self._lock = threading.Lock()
        self._publish_lock = threading.RLock()
        self._stop = threading.Event()
        self._checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="check")
        self.watch_self = False  # the client cannot watch files for us: poll them
        self.watch_per_folder = False  # the client watches each folder for us (see lifecycle)
        self._progress: dict[int, dict[str, Any]] = {}
        self._progress_lock = threading.Lock()
        self._initialized = False
        # While ``initialize`` runs, roots are created but their index threads wait for
        # ``initialized``: the index's imports would otherwise compete for the GIL with the
        # answer to ``initialize`` (any later use of a root starts it too).
        self.defer_index = False

    def _start_io_async(self, stdin: Any = None, stdout: Any = None) -> None:
        """Serve stdio, reading stdin on a thread of its own.

        pygls reads stdin on the request thread pool: four requests that wait (for an index
        being built, say) would stop the server from reading anything, ``$/cancelRequest``
        included. The reader gets its own thread so messages are always read.
        """
        import asyncio
        import sys

        from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async

        self._stop_event = threading.Event()
        reading = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stdin")
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, reading)
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(
                run_async(
                    stop_event=self._stop_event,
                    reader=reader,
                    protocol=self.protocol,
                    logger=log,
                    error_handler=self.report_server_error,
                )
            )
        except BrokenPipeError:
            log.error("the connection to the client is lost: shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            reading.shutdown(wait=False)
            self.shutdown()

    # -- roots --------------------------------------------------------------------------------

    @property
    def root(self) -> Path | None:
        """The first workspace folder's root (kept for single-root callers)."""
        return self.folders[0] if self.folders else None

    def is_trusted(self, path: Path | None) -> bool:
        if self.trust_all:
            return True
        from graftlab.index import trust  # not at start-up: the index package loads libcst

        return trust.is_trusted(path)

    def root_of(self, path: Path | None) -> Root:
        """The state of a root (created, and its index started, on first use)."""
        with self._lock:
            state = self.roots.get(path)
            if state is None:
                state = Root(path, self.is_trusted(path), on_ready=self._index_ready)
                self.roots[path] = state
                if self._initialized:  # (no request to the client before `initialized`)
                    self._progress_begin(state)
            if not self.defer_index:
                state.start()
            return state

    # -- $/progress while an index is built ------------------------------------------------

    def _progress_begin(self, state: Root) -> None:
        """Show the index build as work-done progress, when the client supports it."""
        window = getattr(self.client_capabilities, "window", None)
        if state.path is None or not (window is not None and window.work_done_progress):
            return
        token = f"graftlab-index-{len(self.roots)}-{id(state)}"
        marks = self._progress.setdefault(id(state), {"token": token, "begun": False})

        def created(*_result: Any) -> None:  # called once the client accepted the token
            if self._stop.is_set():
                return
            with self._progress_lock:
                self.work_done_progress.begin(
                    token,
                    t.WorkDoneProgressBegin(title="graftlab: indexing", message=str(state.path)),
                )
                marks["begun"] = True
                done = state.ready.is_set()
            if done:
                self._progress_end(state)

        self.work_done_progress.create(token, callback=created)

    def _progress_end(self, state: Root) -> None:
        with self._progress_lock:
            marks = self._progress.get(id(state))
            if not marks or not marks["begun"] or marks.get("ended") or self._stop.is_set():
                return
            marks["ended"] = True
            classes = len(state.index.classes) if state.index is not None else 0
            self.work_done_progress.end(
                str(marks["token"]), t.WorkDoneProgressEnd(message=f"{classes} classes")
            )

    def root_for(self, uri: str) -> Root:
        """The root of a document: the nearest graft.toml, else its workspace folder."""
        path = uri_to_path(uri)
        found = nearest_root(path, self.folders) if path.is_absolute() else None
        if found is None:
            found = self.folders[0] if self.folders else None
        return self.root_of(found)

    def add_folder(self, folder: Path) -> None:
        if folder not in self.folders:
            self.folders.append(folder)
        root = nearest_root(folder, [folder]) or folder
        self.root_of(root)

    def remove_folder(self, folder: Path) -> None:
        if folder in self.folders:
            self.folders.remove(folder)
        with self._lock:
            gone = [
                p
                for p in self.roots
                if p is not None
                and (p == folder or folder in p.parents)
                and not any(p == f or f in p.parents for f in self.folders)
            ]
            states = [self.roots.pop(p) for p in gone]
        for state in states:
            state.close()

    def _index_ready(self, state: Root) -> None:
        self._progress_end(state)
        # documents opened while the index was being built are checked again
        for uri in list(self.docs):
            if self.root_for(uri) is state and not state.trusted:
                self.check(uri)

    def start_polling(self) -> None:
        threading.Thread(target=self._poll, daemon=True, name="poll").start()

    def _poll(self) -> None:
        """Every second: new run records; without the client's watcher, files on disk."""
        while not self._stop.wait(1.0):
            for state in list(self.roots.values()):
                try:
                    if state.runs.changed():
                        self.republish(state)
                        self.refresh_lenses()
                    if self.watch_self:
                        changed = state.poll()
                        if changed:
                            self.files_changed(changed)
                except Exception:
                    log.exception("polling failed")

    def refresh_lenses(self) -> None:
        """Ask the client to fetch code lenses again (a run was recorded), if it can."""
        workspace = getattr(self.client_capabilities, "workspace", None)
        lens = getattr(workspace, "code_lens", None) if workspace is not None else None
        if lens is not None and lens.refresh_support and not self._stop.is_set():
            self.workspace_code_lens_refresh(None)

    def files_changed(self, paths: list[Path]) -> None:
        """Files changed on disk (the client's watcher or our own): update the roots they
        belong to and re-check those roots' open documents only.

        A change in one folder leaves the other folders' documents alone (with one server
        per folder every server may hear every folder's changes). A ``graft.toml`` change
        re-checks every document: it may move documents to another root. A root without a
        folder (no workspace folders) has no index: its documents are re-checked on any change.
        """
        touched: set[int] = set()
        for state in list(self.roots.values()):
            if state.path is None:
                touched.add(id(state))
                continue
            mine = [p for p in paths if state.holds(p)]
            if mine:
                state.code_changed(mine)
                touched.add(id(state))
        every = any(p.name == CONFIG_NAME for p in paths)
        for uri in list(self.docs):
            if every or id(self.root_for(uri)) in touched:
                self.check(uri)

    def republish(self, state: Root) -> None:
        with self._publish_lock:
            for uri in list(self.docs):
                if self.root_for(uri) is state:
                    self.publish(uri)

    # -- diagnostics -----------------------------------------------------------------------------

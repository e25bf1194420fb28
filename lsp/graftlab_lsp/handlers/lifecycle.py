"""Lifecycle and document sync: initialize (trust, folders, log level), watched files,
folders added and removed, open/change/save/close, shutdown, the log sent to the client."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types as t

from graftlab_lsp.app import server
from graftlab_lsp.convert import uri_to_path
from graftlab_lsp.core import GraftServer, log, server_version
from graftlab_lsp.document import adopt


@server.feature(t.INITIALIZE)
def initialize(ls: GraftServer, params: t.InitializeParams) -> None:
    adopt(ls.workspace)  # lines as LSP counts them
    options = params.initialization_options
    if isinstance(options, dict) and options.get("trusted") is True:
        ls.trust_all = True
    level = options.get("logLevel") if isinstance(options, dict) else None
    _forward_log(ls, str(level or "warning"))
    folders: list[Path] = []
    if params.workspace_folders:
        folders = [uri_to_path(f.uri) for f in params.workspace_folders]
    elif params.root_uri:
        folders = [uri_to_path(params.root_uri)]
    elif params.root_path:
        folders = [Path(params.root_path)]
    ls.defer_index = True  # started in `initialized`, after the answer (see GraftServer)
    try:
        for folder in folders:
            ls.add_folder(folder.resolve())
        if not folders:
            ls.root_of(None)
    finally:
        ls.defer_index = False
    caps = params.capabilities.workspace
    watched = caps.did_change_watched_files if caps is not None else None
    ls.watch_self = not (watched is not None and watched.dynamic_registration)
    ls.start_polling()


@server.feature(t.INITIALIZED)
def initialized(ls: GraftServer, params: t.InitializedParams) -> None:
    ls._initialized = True
    for state in list(ls.roots.values()):
        ls._progress_begin(state)  # begins and ends at once if the index is ready already
        state.start()  # deferred while `initialize` was answered
    if ls.watch_self:
        return  # the client cannot watch for us: the poller looks at the files
    watchers = [
        t.FileSystemWatcher(glob_pattern="**/*.py"),
        t.FileSystemWatcher(glob_pattern="**/graft.toml"),
    ]
    registration = t.Registration(
        id="graftlab-watched-files",
        method=t.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=t.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
    )

    future = ls.client_register_capability(t.RegistrationParams([registration]))
    future.add_done_callback(lambda f: _registered(ls, f))


def _registered(ls: GraftServer, future: Any) -> None:
    """The client answered the watcher registration: if it refused (or the request was
    cancelled, as at shutdown, where ``exception()`` would raise), watch the files ourselves."""
    if future.cancelled() or future.exception() is not None:
        ls.watch_self = True


@server.feature(t.SHUTDOWN)
def shutdown(ls: GraftServer, *_: Any) -> None:
    ls._stop.set()
    ls._checks.shutdown(wait=False, cancel_futures=True)
    for state in list(ls.roots.values()):
        state.close()


@server.feature(t.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_folders(ls: GraftServer, params: t.DidChangeWorkspaceFoldersParams) -> None:
    for f in params.event.removed:
        ls.remove_folder(uri_to_path(f.uri).resolve())
    for f in params.event.added:
        ls.add_folder(uri_to_path(f.uri).resolve())
    for uri in list(ls.docs):
        ls.check(uri)


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: GraftServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.check(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: GraftServer, params: t.DidChangeTextDocumentParams) -> None:
    ls.check(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: GraftServer, params: t.DidSaveTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    ls.root_for(params.text_document.uri).code_changed([path])
    ls.check(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: GraftServer, params: t.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    with ls._publish_lock:
        with ls._lock:
            ls._seq[uri] = ls._seq.get(uri, 0) + 1  # drop a check still under way
        ls.docs.pop(uri, None)
    # a closed file's problems are no longer shown (as other servers do)
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched(ls: GraftServer, params: t.DidChangeWatchedFilesParams) -> None:
    ls.files_changed([uri_to_path(c.uri).resolve() for c in params.changes])


_LOG_TYPES = {
    logging.ERROR: t.MessageType.Error,
    logging.WARNING: t.MessageType.Warning,
    logging.INFO: t.MessageType.Info,
    logging.DEBUG: t.MessageType.Log,
}


class _ClientLog(logging.Handler):
    """Sends the server's log to the client (``window/logMessage``: its output channel)."""

    def __init__(self, ls: GraftServer, level: int) -> None:
        super().__init__(level)
        self.ls = ls

    def emit(self, record: logging.LogRecord) -> None:
        if self.ls._stop.is_set():
            return
        try:
            kind = _LOG_TYPES.get(record.levelno, t.MessageType.Log)
            self.ls.window_log_message(t.LogMessageParams(kind, self.format(record)))
        except Exception:  # logging must never break a request
            pass


def _forward_log(ls: GraftServer, level: str) -> None:
    """Forward our log at ``level`` (error | warning | info | debug) to the client."""
    value = logging.getLevelName(level.upper())
    value = value if isinstance(value, int) else logging.WARNING
    log.addHandler(_ClientLog(ls, value))
    if log.getEffectiveLevel() > value:
        log.setLevel(value)
    log.info(
        "graftlab-lsp %s on %s (%s)",
        server_version(),
        sys.executable,
        "trusted" if ls.trust_all else "restricted unless trusted",
    )

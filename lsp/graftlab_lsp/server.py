"""The LSP wiring: pygls over stdio, translating between the protocol and the service.

Features: completion, hover, go-to-definition, document symbols, diagnostics (the parser's
instantly, the loader's from the worker process), quick fixes, formatting, and failed runs
shown at the argument that built the failing object. ``graft lsp`` (and
``python -m graftlab_lsp``) start it; ``--stdio`` is accepted as VS Code passes it.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from graftlab_lsp import navigation
from graftlab_lsp.context import name_before
from graftlab_lsp.document import adopt, lines_keepends
from graftlab_lsp.roots import Root, nearest_root
from graftlab_lsp.service import Action, Diag, Item

log = logging.getLogger("graftlab_lsp")

_KINDS = {
    "class": t.CompletionItemKind.Class,
    "function": t.CompletionItemKind.Function,
    "keyword": t.CompletionItemKind.Property,
    "value": t.CompletionItemKind.Value,
    "rule": t.CompletionItemKind.Event,
    "module": t.CompletionItemKind.Module,
    "experiment": t.CompletionItemKind.File,
    "enum": t.CompletionItemKind.Enum,
}
_SEVERITY = {
    "error": t.DiagnosticSeverity.Error,
    "warning": t.DiagnosticSeverity.Warning,
    "information": t.DiagnosticSeverity.Information,
}


def uri_to_path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


def server_version() -> str:
    """The installed graftlab's version (what ``serverInfo`` and ``--version`` report)."""
    try:
        from importlib.metadata import version

        return version("graftlab")
    except Exception:
        import graftlab

        return str(getattr(graftlab, "__version__", "unknown"))


@dataclass
class DocState:
    """What was last published for a document: its version, text and diagnostics."""

    version: int | None
    text: str
    diags: list[Diag]
    result: dict[str, Any] | None = None  # the worker's answer (trusted roots)


class GraftServer(LanguageServer):
    """The graftlab language server."""

    def __init__(self) -> None:
        super().__init__("graftlab-lsp", server_version(), max_workers=4)
        self.trust_all = False  # --trusted, or the client said the workspace is trusted
        self.folders: list[Path] = []
        self.roots: dict[Path | None, Root] = {}
        self.docs: dict[str, DocState] = {}
        self._seq: dict[str, int] = {}
        self._lock = threading.Lock()
        self._publish_lock = threading.RLock()
        self._stop = threading.Event()
        self._checks = ThreadPoolExecutor(max_workers=2, thread_name_prefix="check")
        self.watch_self = False  # the client cannot watch files for us: poll them
        self._progress: dict[int, dict[str, Any]] = {}
        self._progress_lock = threading.Lock()
        self._initialized = False

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
                    if self.watch_self:
                        changed = state.poll()
                        if changed:
                            self.files_changed(changed)
                except Exception:
                    log.exception("polling failed")

    def files_changed(self, paths: list[Path]) -> None:
        """Files changed on disk (the client's watcher or our own): update and re-check."""
        for state in list(self.roots.values()):
            if state.path is None:
                continue
            mine = [p for p in paths if p == state.path or state.path in p.parents]
            if mine:
                state.code_changed(mine)
        for uri in list(self.docs):
            self.check(uri)

    def republish(self, state: Root) -> None:
        with self._publish_lock:
            for uri in list(self.docs):
                if self.root_for(uri) is state:
                    self.publish(uri)

    # -- diagnostics -----------------------------------------------------------------------------

    def check(self, uri: str) -> None:
        """Check the document's current version and publish its diagnostics once.

        Trusted roots: the worker runs the loader (its list includes the parser's errors).
        Restricted roots: the parser's and the static index's diagnostics, marked so.
        """
        doc = self.workspace.get_text_document(uri)
        text, version = doc.source, doc.version
        with self._lock:
            seq = self._seq[uri] = self._seq.get(uri, 0) + 1
        try:
            self._checks.submit(self._check, uri, text, version, seq)
        except RuntimeError:  # shutting down
            pass

    def _check(self, uri: str, text: str, version: int | None, seq: int) -> None:
        try:
            if self._seq.get(uri) != seq or self._stop.is_set():
                return  # a newer edit is queued, or the server is shutting down
            state = self.root_for(uri)
            file = str(uri_to_path(uri))
            result = None
            if state.worker is not None:
                result = state.worker.request("check", file=file, text=text)
                diags = state.service.worker_diagnostics(result)
                if "error" in result:
                    diags.append(
                        Diag(
                            0,
                            0,
                            0,
                            1,
                            f"graftlab could not check this file: {result['error']}",
                            "warning",
                        )
                    )
            else:
                state.wait(10.0)
                diags = state.service.static_diagnostics(text, file)
                diags += state.service.index_diagnostics(text)
                for d in diags:
                    d.data = {**d.data, "restricted": True}
            with self._publish_lock:
                if self._seq.get(uri) != seq:
                    return
                self.docs[uri] = DocState(version, text, diags, result)
                self.publish(uri)
        except Exception:
            log.exception("checking %s failed", uri)

    def publish(self, uri: str) -> None:
        """Publish a document's diagnostics (with its version) and its failed runs."""
        doc = self.docs.get(uri)
        if doc is None or self._stop.is_set():
            return  # after shutdown nothing is sent (the client stopped reading)
        state = self.root_for(uri)
        diags = list(doc.diags)
        derived = (doc.result or {}).get("derived")
        diags += state.runs.diagnostics(uri_to_path(uri), doc.text, derived)
        lines = lines_keepends(doc.text)
        out = []
        for d in diags:
            lsp = self.to_lsp(d, lines)
            if d.data.get("restricted"):
                lsp.source = "graftlab (restricted)"
            out.append(lsp)
        self.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=out, version=doc.version)
        )

    def to_lsp(self, d: Diag, lines: list[str]) -> t.Diagnostic:
        rng = self.range_out(lines, d.line, d.column, d.end_line, d.end_column)
        related = None
        if d.related:
            related = []
            for file, line, col, message in d.related:
                pos = t.Position(max(0, line), max(0, col))
                related.append(
                    t.DiagnosticRelatedInformation(
                        t.Location(Path(file).resolve().as_uri(), t.Range(pos, pos)), message
                    )
                )
        return t.Diagnostic(
            range=rng,
            message=d.message,
            severity=_SEVERITY.get(d.severity),
            source="graftlab",
            code=d.code or None,
            data=d.data or None,
            related_information=related,
        )

    # -- positions --------------------------------------------------------------------------------

    def pos_in(self, lines: list[str], pos: t.Position) -> tuple[int, int]:
        p = self.workspace.position_codec.position_from_client_units(lines, pos)
        return p.line, p.character

    def range_out(
        self, lines: list[str], line: int, col: int, end_line: int, end_col: int
    ) -> t.Range:
        rng = t.Range(
            t.Position(max(0, line), max(0, col)), t.Position(max(0, end_line), max(0, end_col))
        )
        try:
            return self.workspace.position_codec.range_to_client_units(lines, rng)
        except Exception:
            return rng

    def item_out(
        self,
        item: Item,
        lines: list[str],
        line: int = 0,
        column: int = 0,
        import_at: int | None = None,
        state: Root | None = None,
    ) -> t.CompletionItem:
        edits = None
        if item.import_line:
            at = _import_line(lines) if import_at is None else import_at
            edits = [
                t.TextEdit(t.Range(t.Position(at, 0), t.Position(at, 0)), item.import_line + "\n")
            ]
        text_edit = None
        if item.replace_from is not None and item.replace_from <= column:
            rng = self.range_out(lines, line, item.replace_from, line, column)
            text_edit = t.TextEdit(rng, item.insert_text or item.label)
        # A class's documentation (its docstring) is sent when the item is resolved: lists
        # of every class stay small.
        lazy = item.kind in ("class", "function") and bool(item.documentation)
        return t.CompletionItem(
            label=item.label,
            kind=_KINDS.get(item.kind),
            detail=item.detail or None,
            documentation=t.MarkupContent(t.MarkupKind.Markdown, item.documentation)
            if item.documentation and not lazy
            else None,
            data={
                "qualname": item.detail.split("(", 1)[0],
                "root": str(state.path) if state is not None and state.path else None,
            }
            if lazy
            else None,
            insert_text=item.insert_text if text_edit is None else None,
            text_edit=text_edit,
            sort_text=item.sort_text,
            additional_text_edits=edits,
        )


def _import_line(lines: list[str]) -> int:
    """The line after the last import (imports come first in an experiment file)."""
    last = 0
    for i, line in enumerate(lines):
        if line.startswith(("from ", "import ")):
            last = i + 1
        elif line.strip() and not line.startswith(("#", " ", "\t", '"', "'", ")")) and last:
            break  # the first statement after the imports
    return last


server = GraftServer()


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
    for folder in folders:
        ls.add_folder(folder.resolve())
    if not folders:
        ls.root_of(None)
    caps = params.capabilities.workspace
    watched = caps.did_change_watched_files if caps is not None else None
    ls.watch_self = not (watched is not None and watched.dynamic_registration)
    ls.start_polling()


@server.feature(t.INITIALIZED)
def initialized(ls: GraftServer, params: t.InitializedParams) -> None:
    ls._initialized = True
    for state in list(ls.roots.values()):
        ls._progress_begin(state)  # begins and ends at once if the index is ready already
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

    def done(future: Any) -> None:
        if future.exception() is not None:  # the client refused: watch the files ourselves
            ls.watch_self = True

    ls.client_register_capability(t.RegistrationParams([registration])).add_done_callback(done)


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


def _doc(ls: GraftServer, uri: str) -> tuple[Any, Root]:
    """The document and its root, once the root's index is ready (or 5 s have passed)."""
    state = ls.root_for(uri)
    state.wait(5.0)
    return ls.workspace.get_text_document(uri), state


@server.feature(
    t.TEXT_DOCUMENT_COMPLETION,
    t.CompletionOptions(
        trigger_characters=["(", ",", "=", "?", "&", '"', "'", " ", "."], resolve_provider=True
    ),
)
@server.thread()
def completion(ls: GraftServer, params: t.CompletionParams) -> t.CompletionList:
    doc, state = _doc(ls, params.text_document.uri)
    lines = doc.lines
    line, col = ls.pos_in(lines, params.position)
    items = state.service.complete(doc.source, line, col)
    items, capped = _limit(items, _typed_prefix(lines[line][:col] if line < len(lines) else ""))
    # where import lines go: found once, not once per item (a long file has many lines)
    import_at = _import_line(lines) if any(i.import_line for i in items) else 0
    # While the index is still being built, or the list was cut, it is incomplete: the
    # editor asks again as the user types.
    return t.CompletionList(
        is_incomplete=capped or not state.ready.is_set(),
        items=[ls.item_out(i, lines, line, col, import_at, state) for i in items],
    )


COMPLETION_LIMIT = 150


def _typed_prefix(before: str) -> str:
    return before[name_before(before, len(before), dots=False) :]


def _fuzzy(prefix: str, label: str) -> bool:
    """Whether the typed characters appear in order in the label (as editors match)."""
    it = iter(label.lower())
    return all(ch in it for ch in prefix.lower())


def _limit(items: list[Item], prefix: str) -> tuple[list[Item], bool]:
    """At most ``COMPLETION_LIMIT`` items, those matching what was typed, best first.

    A workspace with thousands of classes would otherwise send them all on every keystroke.
    """
    if len(items) <= COMPLETION_LIMIT:
        return items, False
    if prefix:
        items = [i for i in items if _fuzzy(prefix, i.label)]
    items.sort(
        key=lambda i: (
            not i.label.lower().startswith(prefix.lower()),
            i.sort_text or i.label,
            i.label,
        )
    )
    return items[:COMPLETION_LIMIT], len(items) > COMPLETION_LIMIT


@server.feature(t.COMPLETION_ITEM_RESOLVE)
@server.thread()
def completion_resolve(ls: GraftServer, item: t.CompletionItem) -> t.CompletionItem:
    """Fill in a class item's documentation (left out of the list to keep it small)."""
    data = item.data if isinstance(item.data, dict) else {}
    state = ls.roots.get(Path(data["root"])) if data.get("root") else ls.root_of(ls.root)
    index = state.index if state is not None else None
    info = index.lookup(data["qualname"]) if index is not None and "qualname" in data else None
    if info is not None and info.doc and item.documentation is None:
        item.documentation = t.MarkupContent(t.MarkupKind.Markdown, info.doc)
    return item


@server.feature(t.TEXT_DOCUMENT_HOVER)
@server.thread()
def hover(ls: GraftServer, params: t.HoverParams) -> t.Hover | None:
    doc, state = _doc(ls, params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    last = ls.docs.get(params.text_document.uri)
    derived = ((last.result if last is not None else None) or {}).get("derived")
    text = state.service.hover(doc.source, line, col, derived)
    if text is None:
        return None
    return t.Hover(contents=t.MarkupContent(t.MarkupKind.Markdown, text))


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
@server.thread()
def definition(ls: GraftServer, params: t.DefinitionParams) -> t.Location | None:
    doc, state = _doc(ls, params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    loc = state.service.definition(doc.source, line, col)
    if loc is None:
        return None
    path = Path(loc.file)
    if not path.is_absolute() and state.path is not None:
        path = state.path / path
    pos = t.Position(max(0, loc.line - 1), max(0, loc.column))
    return t.Location(uri=path.resolve().as_uri(), range=t.Range(pos, pos))


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
@server.thread()
def document_symbol(ls: GraftServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    lines = doc.lines

    def conv(s: Any) -> t.DocumentSymbol:
        rng = ls.range_out(lines, s.line, s.column, s.end_line, s.end_column)
        return t.DocumentSymbol(
            name=s.name,
            detail=s.detail,
            kind=t.SymbolKind.Field if s.children == [] else t.SymbolKind.Object,
            range=rng,
            selection_range=rng,
            children=[conv(c) for c in s.children],
        )

    return [conv(s) for s in ls.root_for(params.text_document.uri).service.symbols(doc.source)]


@server.feature(t.TEXT_DOCUMENT_CODE_ACTION)
@server.thread()
def code_action(ls: GraftServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    doc, state = _doc(ls, params.text_document.uri)
    lines = doc.lines
    diags = []
    for d in params.context.diagnostics:
        start = ls.pos_in(lines, d.range.start)
        end = ls.pos_in(lines, d.range.end)
        diags.append(Diag(start[0], start[1], end[0], end[1], d.message, code=str(d.code or "")))
    out = []
    preferred: set[int] = set()
    for a in state.service.code_actions(doc.source, diags):
        edits = [
            t.TextEdit(ls.range_out(lines, e.line, e.column, e.end_line, e.end_column), e.text)
            for e in a.edits
        ]
        first = id(a.diagnostic) not in preferred  # the first fix of a diagnostic is preferred
        preferred.add(id(a.diagnostic))
        out.append(_action(params.text_document.uri, a, edits, params.context.diagnostics, first))
    return out


def _action(
    uri: str, a: Action, edits: list[t.TextEdit], diags: list[t.Diagnostic], preferred: bool
) -> t.CodeAction:
    related = [
        d
        for d in diags
        if a.diagnostic is not None
        and d.message == a.diagnostic.message
        and (d.range.start.line, d.range.end.line) == (a.diagnostic.line, a.diagnostic.end_line)
    ]
    return t.CodeAction(
        title=a.title,
        kind=t.CodeActionKind.QuickFix,
        diagnostics=related or None,
        edit=t.WorkspaceEdit(changes={uri: edits}),
        is_preferred=preferred,
    )


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
@server.thread()
def formatting(ls: GraftServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    state = ls.root_for(params.text_document.uri)
    if state.worker is None:
        return None  # restricted: the writer would import the workspace's modules
    result = state.worker.request(
        "format", file=str(uri_to_path(params.text_document.uri)), text=doc.source
    )
    new = result.get("text")
    if new is None or new == doc.source:
        return [] if new is not None else None
    end = t.Position(len(doc.lines), 0)
    return [t.TextEdit(t.Range(t.Position(0, 0), end), new)]


def _target_uri(state: Root, file: str) -> str:
    path = Path(file)
    if not path.is_absolute() and state.path is not None:
        path = state.path / path
    return path.resolve().as_uri()


_SYMBOL_KINDS = {"experiment": t.SymbolKind.File, "rule": t.SymbolKind.Function}


@server.feature(t.WORKSPACE_SYMBOL)
@server.thread()
def workspace_symbol(ls: GraftServer, params: t.WorkspaceSymbolParams) -> list[t.SymbolInformation]:
    """Experiments and patch rules of every root, matching the query."""
    out = []
    for state in list(ls.roots.values()):
        state.wait(5.0)
        for sym in navigation.workspace_symbols(state.index, params.query):
            pos = t.Position(sym.target.line, sym.target.column)
            out.append(
                t.SymbolInformation(
                    name=sym.name,
                    kind=_SYMBOL_KINDS.get(sym.kind, t.SymbolKind.Object),
                    location=t.Location(_target_uri(state, sym.target.file), t.Range(pos, pos)),
                    container_name=sym.container or None,
                )
            )
    return out


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_LINK)
@server.thread()
def document_link(ls: GraftServer, params: t.DocumentLinkParams) -> list[t.DocumentLink]:
    """Base experiment names and patch URIs link to their files."""
    doc, state = _doc(ls, params.text_document.uri)
    lines = doc.lines
    out = []
    for link in navigation.document_links(state.index, doc.source):
        uri = _target_uri(state, link.target.file)
        out.append(
            t.DocumentLink(
                range=ls.range_out(lines, link.line, link.column, link.end_line, link.end_column),
                target=f"{uri}#L{link.target.line + 1}",
                tooltip=link.tooltip,
            )
        )
    return out


@server.command("graftlab.lastRunError")
def last_run_error(ls: GraftServer, *args: Any) -> dict[str, Any] | None:
    """The error of the last failed run of a file (for the client's "reveal" command)."""
    # pygls passes the command's arguments spread out: one parameter each.
    uri = _uri_arg(args)
    if uri is None:
        return None
    return ls.root_for(uri).runs.last_error(uri_to_path(uri))


@server.command("graftlab.materialized")
def materialized(ls: GraftServer, *args: Any) -> str | None:
    """The materialized text of a derived experiment (from the last check)."""
    uri = _uri_arg(args)
    last = ls.docs.get(uri or "")
    result = (last.result if last is not None else None) or {}
    return result.get("derived", {}).get("materialized")  # type: ignore[no-any-return]


def _uri_arg(args: tuple[Any, ...]) -> str | None:
    """The document URI a command names: ``"file:///..."`` or ``{"uri": ...}`` (VS Code passes
    either, sometimes wrapped in a list)."""
    target: Any = args[0] if args else None
    if isinstance(target, list):
        target = target[0] if target else None
    if isinstance(target, dict):
        target = target.get("uri")
    return target if isinstance(target, str) else None


def main(argv: list[str] | None = None) -> int:
    """Start the server on stdio (``--stdio`` is accepted and implied).

    Unknown arguments are an error (exit status 2): an editor configured with a typo must
    not get a server that silently ignores it.
    """
    parser = argparse.ArgumentParser(prog="graftlab_lsp", description="graftlab language server")
    parser.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    parser.add_argument("--log", metavar="FILE", help="write the server's log to FILE")
    parser.add_argument(
        "--trusted", action="store_true", help="trust every workspace (run the loader)"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(f"graftlab-lsp {server_version()}")
        return 0
    if args.log:
        logging.basicConfig(filename=args.log, level=logging.INFO)
    server.trust_all = args.trusted
    server.start_io()
    return 0

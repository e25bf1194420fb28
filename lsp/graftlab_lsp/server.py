"""The LSP wiring: pygls over stdio, translating between the protocol and the service.

Features: completion, hover, go-to-definition, document symbols, diagnostics (the parser's
instantly, the loader's from the worker process), quick fixes, formatting, and failed runs
shown at the argument that built the failing object. ``graft lsp`` (and
``python -m graftlab_lsp``) start it; ``--stdio`` is accepted as VS Code passes it.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from graftlab_lsp.runs import RunErrors
from graftlab_lsp.service import Action, Diag, Item, LanguageService
from graftlab_lsp.worker_client import WorkerClient

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


class GraftServer(LanguageServer):
    """The graftlab language server."""

    def __init__(self) -> None:
        super().__init__("graftlab-lsp", "0.1.0")
        self.root: Path | None = None
        self.index: Any = None
        self.service = LanguageService(None)
        self.worker: WorkerClient | None = None
        self.results: dict[str, dict[str, Any]] = {}  # uri -> last worker result
        self.static: dict[str, list[Diag]] = {}
        self.runs: RunErrors | None = None
        self._pending: dict[str, int] = {}
        self._lock = threading.Lock()
        self._publish_lock = threading.RLock()
        self._checked: dict[str, int] = {}  # uri -> the version the worker last answered
        self._index_ready = threading.Event()
        self._stop = threading.Event()

    # -- lifecycle ----------------------------------------------------------------------------

    def start_workspace(self, root: Path | None) -> None:
        self.root = root
        self.worker = WorkerClient(root)
        self.runs = RunErrors(root)
        threading.Thread(target=self._build_index, daemon=True).start()
        threading.Thread(target=self._poll_runs, daemon=True).start()

    def _build_index(self) -> None:
        try:
            from graftlab.index import Index

            if self.root is not None:
                self.index = Index.for_workspace(self.root)
                self.service.index = self.index
                # The index is long-lived: keep the collector from walking it on every
                # full collection (those paused requests by tens of milliseconds).
                gc.collect()
                gc.freeze()
        except Exception as e:  # a broken workspace must not stop the server
            log.exception("index build failed: %s", e)
        finally:
            self._index_ready.set()

    def wait_index(self, timeout: float = 10.0) -> None:
        self._index_ready.wait(timeout)

    def _poll_runs(self) -> None:
        while not self._stop.wait(1.0):
            try:
                if self.runs is not None and self.runs.changed():
                    with self._publish_lock:
                        for uri in list(self.results):
                            # a document with a check under way gets them with its answer
                            if self._checked.get(uri) == self._pending.get(uri):
                                self.publish(uri)
            except Exception:
                log.exception("run polling failed")

    # -- diagnostics -----------------------------------------------------------------------------

    def check(self, uri: str) -> None:
        """Publish the parser's diagnostics now and the loader's when the worker answers."""
        doc = self.workspace.get_text_document(uri)
        text = doc.source
        with self._lock:
            version = self._pending.get(uri, 0) + 1
            self._pending[uri] = version

        def work() -> None:
            with self._lock:
                if self._pending.get(uri) != version:
                    return  # a newer edit is queued
            assert self.worker is not None
            result = self.worker.request("check", file=str(uri_to_path(uri)), text=text)
            with self._publish_lock:
                if self._pending.get(uri) != version:
                    return
                self.results[uri] = result
                self._checked[uri] = version
                self.publish(uri)

        # The worker starts on the text first; the parser's own check runs meanwhile here.
        self.thread_pool.submit(work)
        static = self.service.static_diagnostics(text, str(uri_to_path(uri)))
        with self._publish_lock:
            if self._pending.get(uri) == version:  # else a newer edit came
                self.static[uri] = static
                # Each check publishes twice, the loader's diagnostics last: if the worker
                # answered first, its diagnostics go out again.
                self.publish(uri, static_only=self._checked.get(uri) != version)

    def publish(self, uri: str, static_only: bool = False) -> None:
        diags: list[Diag]
        result = self.results.get(uri)
        if static_only or result is None:
            diags = list(self.static.get(uri, []))
        else:
            diags = self.service.worker_diagnostics(result)
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
        if self.runs is not None:
            diags += self.runs.diagnostics(uri_to_path(uri))
        try:
            lines = self.workspace.get_text_document(uri).lines
        except Exception:
            lines = []
        self.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=[self.to_lsp(d, lines) for d in diags])
        )

    def to_lsp(self, d: Diag, lines: list[str]) -> t.Diagnostic:
        rng = self.range_out(lines, d.line, d.column, d.end_line, d.end_column)
        return t.Diagnostic(
            range=rng,
            message=d.message,
            severity=_SEVERITY.get(d.severity),
            source="graftlab",
            code=d.code or None,
            data=d.data or None,
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
        lazy = item.kind in ("class", "function") and bool(item.documentation) and self.index
        return t.CompletionItem(
            label=item.label,
            kind=_KINDS.get(item.kind),
            detail=item.detail or None,
            documentation=t.MarkupContent(t.MarkupKind.Markdown, item.documentation)
            if item.documentation and not lazy
            else None,
            data={"qualname": item.detail.split("(", 1)[0]} if lazy else None,
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
    root = None
    if params.workspace_folders:
        root = uri_to_path(params.workspace_folders[0].uri)
    elif params.root_uri:
        root = uri_to_path(params.root_uri)
    elif params.root_path:
        root = Path(params.root_path)
    ls.start_workspace(root)


@server.feature(t.SHUTDOWN)
def shutdown(ls: GraftServer, *_: Any) -> None:
    ls._stop.set()
    if ls.worker is not None:
        ls.worker.close()


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: GraftServer, params: t.DidOpenTextDocumentParams) -> None:
    ls.check(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: GraftServer, params: t.DidChangeTextDocumentParams) -> None:
    ls.check(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: GraftServer, params: t.DidSaveTextDocumentParams) -> None:
    path = uri_to_path(params.text_document.uri)
    _code_changed(ls, [path])
    ls.check(params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: GraftServer, params: t.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    with ls._lock:
        ls._pending[uri] = ls._pending.get(uri, 0) + 1  # drop a check still under way
    ls.results.pop(uri, None)
    ls.static.pop(uri, None)
    # a closed file's problems are no longer shown (as other servers do)
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(t.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched(ls: GraftServer, params: t.DidChangeWatchedFilesParams) -> None:
    _code_changed(ls, [uri_to_path(c.uri) for c in params.changes])
    for uri in list(ls.results):
        ls.check(uri)


def _code_changed(ls: GraftServer, paths: list[Path]) -> None:
    if ls.index is not None:
        try:
            ls.index.update(paths)
        except Exception:
            log.exception("index update failed")
    if ls.worker is not None and any(p.suffix in (".py", ".toml") for p in paths):
        ls.worker.restart()  # the worker re-imports changed modules


@server.feature(
    t.TEXT_DOCUMENT_COMPLETION,
    t.CompletionOptions(
        trigger_characters=["(", ",", "=", "?", "&", '"', "'", " ", "."], resolve_provider=True
    ),
)
def completion(ls: GraftServer, params: t.CompletionParams) -> t.CompletionList:
    ls.wait_index(5.0)
    doc = ls.workspace.get_text_document(params.text_document.uri)
    lines = doc.lines
    line, col = ls.pos_in(lines, params.position)
    items = ls.service.complete(doc.source, line, col)
    items, capped = _limit(items, _typed_prefix(lines[line][:col] if line < len(lines) else ""))
    # where import lines go: found once, not once per item (a long file has many lines)
    import_at = _import_line(lines) if any(i.import_line for i in items) else 0
    # While the index is still being built, or the list was cut, it is incomplete: the
    # editor asks again as the user types.
    return t.CompletionList(
        is_incomplete=capped or not ls._index_ready.is_set(),
        items=[ls.item_out(i, lines, line, col, import_at) for i in items],
    )


COMPLETION_LIMIT = 150


def _typed_prefix(before: str) -> str:
    m = re.search(r"[A-Za-z_][A-Za-z0-9_]*$", before)
    return m.group() if m else ""


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
def completion_resolve(ls: GraftServer, item: t.CompletionItem) -> t.CompletionItem:
    """Fill in a class item's documentation (left out of the list to keep it small)."""
    data = item.data if isinstance(item.data, dict) else {}
    info = (
        ls.index.lookup(data["qualname"]) if ls.index is not None and "qualname" in data else None
    )
    if info is not None and info.doc and item.documentation is None:
        item.documentation = t.MarkupContent(t.MarkupKind.Markdown, info.doc)
    return item


@server.feature(t.TEXT_DOCUMENT_HOVER)
def hover(ls: GraftServer, params: t.HoverParams) -> t.Hover | None:
    ls.wait_index(5.0)
    doc = ls.workspace.get_text_document(params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    derived = ls.results.get(params.text_document.uri, {}).get("derived")
    text = ls.service.hover(doc.source, line, col, derived)
    if text is None:
        return None
    return t.Hover(contents=t.MarkupContent(t.MarkupKind.Markdown, text))


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
def definition(ls: GraftServer, params: t.DefinitionParams) -> t.Location | None:
    ls.wait_index(5.0)
    doc = ls.workspace.get_text_document(params.text_document.uri)
    line, col = ls.pos_in(doc.lines, params.position)
    loc = ls.service.definition(doc.source, line, col)
    if loc is None:
        return None
    path = Path(loc.file)
    if not path.is_absolute() and ls.root is not None:
        path = ls.root / path
    pos = t.Position(max(0, loc.line - 1), max(0, loc.column))
    return t.Location(uri=path.resolve().as_uri(), range=t.Range(pos, pos))


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
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

    return [conv(s) for s in ls.service.symbols(doc.source)]


@server.feature(t.TEXT_DOCUMENT_CODE_ACTION)
def code_action(ls: GraftServer, params: t.CodeActionParams) -> list[t.CodeAction]:
    ls.wait_index(5.0)
    doc = ls.workspace.get_text_document(params.text_document.uri)
    lines = doc.lines
    diags = []
    for d in params.context.diagnostics:
        start = ls.pos_in(lines, d.range.start)
        end = ls.pos_in(lines, d.range.end)
        diags.append(Diag(start[0], start[1], end[0], end[1], d.message, code=str(d.code or "")))
    out = []
    preferred: set[int] = set()
    for a in ls.service.code_actions(doc.source, diags):
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
def formatting(ls: GraftServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    assert ls.worker is not None
    result = ls.worker.request(
        "format", file=str(uri_to_path(params.text_document.uri)), text=doc.source
    )
    new = result.get("text")
    if new is None or new == doc.source:
        return [] if new is not None else None
    end = t.Position(len(doc.lines), 0)
    return [t.TextEdit(t.Range(t.Position(0, 0), end), new)]


@server.command("graftlab.lastRunError")
def last_run_error(ls: GraftServer, *args: Any) -> dict[str, Any] | None:
    """The error of the last failed run of a file (for the client's "reveal" command)."""
    # pygls passes the command's arguments spread out: one parameter each.
    uri = _uri_arg(args)
    if ls.runs is None or uri is None:
        return None
    return ls.runs.last_error(uri_to_path(uri))


@server.command("graftlab.materialized")
def materialized(ls: GraftServer, *args: Any) -> str | None:
    """The materialized text of a derived experiment (from the last check)."""
    uri = _uri_arg(args)
    result = ls.results.get(uri or "", {})
    return result.get("derived", {}).get("materialized")


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
    """Start the server on stdio (``--stdio`` is accepted and implied)."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if "--log" in args:
        logging.basicConfig(filename=args[args.index("--log") + 1], level=logging.INFO)
    server.start_io()
    return 0


_ = time

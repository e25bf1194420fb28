"""Diagnostics publishing: each document version is checked once (the worker's loader on a
trusted root, the parser and the static index on a restricted one) and published once, with
its version, together with the file's last failed run."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types as t

from graftlab_lsp.convert import SEVERITY, uri_to_path
from graftlab_lsp.document import lines_keepends
from graftlab_lsp.model import Diag

log = logging.getLogger("graftlab_lsp")


@dataclass
class DocState:
    """What was last published for a document: its version, text and diagnostics."""

    version: int | None
    text: str
    diags: list[Diag]
    result: dict[str, Any] | None = None  # the worker's answer (trusted roots)


class CheckingMixin:
    """The server's diagnostics: ``check`` (queue a document's check) and ``publish``."""

    workspace: Any
    docs: dict[str, DocState]
    _seq: dict[str, int]
    _pending: dict[str, tuple[str, int | None, int]]  # uri -> the newest unchecked version
    _lock: threading.Lock
    _publish_lock: threading.RLock
    _stop: threading.Event
    _checks: ThreadPoolExecutor

    def check(self, uri: str) -> None:
        """Check the document's current version and publish its diagnostics once.

        Trusted roots: the worker runs the loader (its list includes the parser's errors).
        Restricted roots: the parser's and the static index's diagnostics, marked so.
        Versions coalesce: a document has at most one check waiting, for its newest version
        (a burst of edits queued a copy of the text per edit while the worker was busy:
        megabytes, each checked for nothing), and a version is published only if no newer
        one came meanwhile.
        """
        doc = self.workspace.get_text_document(uri)
        text, version = doc.source, doc.version
        with self._lock:
            seq = self._seq[uri] = self._seq.get(uri, 0) + 1
            waiting = uri in self._pending
            self._pending[uri] = (text, version, seq)
        if waiting:
            return  # the check already queued takes this version
        try:
            self._checks.submit(self._check_newest, uri)
        except RuntimeError:  # shutting down
            pass

    def _check_newest(self, uri: str) -> None:
        with self._lock:
            item = self._pending.pop(uri, None)
        if item is not None:
            self._check(uri, *item)

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
        lines = self._lines_of(uri, doc.text)
        out = []
        for d in diags:
            lsp = self.to_lsp(d, lines)
            if d.data.get("restricted"):
                lsp.source = "graftlab (restricted)"
            out.append(lsp)
        self.text_document_publish_diagnostics(
            t.PublishDiagnosticsParams(uri=uri, diagnostics=out, version=doc.version)
        )

    def _lines_of(self, uri: str, text: str) -> Sequence[str]:
        """The lines of the text published: the document's (split once per version) while
        it is still the document's text."""
        try:
            doc = self.workspace.get_text_document(uri)
            if doc.source is text:
                return doc.lines  # type: ignore[no-any-return]
        except Exception:
            pass
        return lines_keepends(text)

    def to_lsp(self, d: Diag, lines: Sequence[str]) -> t.Diagnostic:
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
            severity=SEVERITY.get(d.severity),
            source="graftlab",
            code=d.code or None,
            data=d.data or None,
            related_information=related,
        )

    # -- positions --------------------------------------------------------------------------------

"""Code lenses (Run, the last run's outcome, diff with the base) and their server commands:
``graftlab.showRun`` (the last run's record) and ``graftlab.diffWithBase`` (the semantic diff).

``graftlab.runExperiment`` is the editor's command (the VS Code extension runs ``graft run``
in a terminal); the server does not register it, so clients without it show the lens only.
Both server commands return their text and, where the client can show documents, open it.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from lsprotocol import types as t

from graftlab_lsp.app import server
from graftlab_lsp.convert import uri_to_path
from graftlab_lsp.core import GraftServer
from graftlab_lsp.handlers.commands import _uri_arg


@server.feature(t.TEXT_DOCUMENT_CODE_LENS, t.CodeLensOptions(resolve_provider=False))
@server.thread()
def code_lens(ls: GraftServer, params: t.CodeLensParams) -> list[t.CodeLens]:
    uri = params.text_document.uri
    doc = ls.workspace.get_text_document(uri)
    state = ls.root_for(uri)
    run = state.runs.last_run(uri_to_path(uri))
    out = []
    from graftlab_lsp.features.lens import code_lenses  # on first use

    for lens in code_lenses(doc.source, uri, run, trusted=state.worker is not None):
        pos = t.Position(lens.line, 0)
        out.append(
            t.CodeLens(
                range=t.Range(pos, pos),
                command=t.Command(title=lens.title, command=lens.command, arguments=lens.arguments),
            )
        )
    return out


def _show(ls: GraftServer, name: str, text: str) -> None:
    """Open ``text`` in the editor (as a read-only file), if the client can show documents."""
    window = getattr(ls.client_capabilities, "window", None)
    show = getattr(window, "show_document", None) if window is not None else None
    if show is None or not show.support:
        return
    folder = Path(tempfile.gettempdir()) / "graftlab-lsp"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    ls.window_show_document(t.ShowDocumentParams(uri=path.as_uri(), take_focus=True))


@server.command("graftlab.showRun")
def show_run(ls: GraftServer, *args: Any) -> dict[str, Any] | None:
    """The last run of a file (its id, status, metrics, error), shown as JSON."""
    uri = _uri_arg(args)
    if uri is None:
        return None
    run = ls.root_for(uri).runs.last_run(uri_to_path(uri))
    if run is not None:
        _show(ls, f"run-{run['id']}.json", json.dumps(run, indent=2, sort_keys=True) + "\n")
    return run


@server.command("graftlab.diffWithBase")
@server.thread()
def diff_with_base(ls: GraftServer, *args: Any) -> str | None:
    """A derived experiment's semantic diff against its base (trusted roots: it loads both)."""
    uri = _uri_arg(args)
    if uri is None:
        return None
    state = ls.root_for(uri)
    if state.worker is None:
        return None
    doc = ls.workspace.get_text_document(uri)
    result = state.worker.request("diff_base", file=str(uri_to_path(uri)), text=doc.source)
    text = result.get("text")
    if text is None:
        return None
    _show(ls, f"{uri_to_path(uri).stem}-vs-base.diff", text)
    return str(text)

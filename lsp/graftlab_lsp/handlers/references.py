"""References, prepare-rename and rename (experiments: file and every ``base=``; rule
arguments: every URI, the parameter and its uses in the rule)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

from graftlab_lsp.app import document, server
from graftlab_lsp.convert import uri_to_path
from graftlab_lsp.core import GraftServer
from graftlab_lsp.document import lines_keepends
from graftlab_lsp.lazy import LazyModule

if TYPE_CHECKING:
    from graftlab_lsp.features import references as refs
else:
    refs = LazyModule("graftlab_lsp.features.references")  # loaded on first use


class _InvalidRename(JsonRpcException):
    CODE = -32602  # InvalidParams: the client shows the message


def _open_texts(ls: GraftServer) -> dict[Path, str]:
    return {
        uri_to_path(uri).resolve(): doc.source
        for uri, doc in list(ls.workspace.text_documents.items())
    }


def _lines(path: str, texts: dict[Path, str]) -> list[str]:
    text = texts.get(Path(path))
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
    return lines_keepends(text)


def _target(ls: GraftServer, uri: str, position: t.Position) -> tuple[refs.Target | None, object]:
    doc, state = document(ls, uri)
    line, col = ls.pos_in(doc.lines, position)
    this = refs.experiment_of(state.index, uri_to_path(uri))
    return refs.target_at(state.index, doc.source, line, col, this), state


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
@server.thread()
def references(ls: GraftServer, params: t.ReferenceParams) -> list[t.Location]:
    target, state = _target(ls, params.text_document.uri, params.position)
    if target is None:
        return []
    texts = _open_texts(ls)
    found = refs.references(
        state.index,  # type: ignore[attr-defined]
        target,
        texts,
        include_declaration=params.context.include_declaration,
    )
    out = []
    cache: dict[str, list[str]] = {}
    for r in found:
        lines = cache.setdefault(r.file, _lines(r.file, texts))
        rng = ls.range_out(lines, r.line, r.column, r.line, r.end_column)
        out.append(t.Location(Path(r.file).as_uri(), rng))
    return out


@server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
@server.thread()
def prepare_rename(
    ls: GraftServer, params: t.PrepareRenameParams
) -> t.PrepareRenamePlaceholder | None:
    target, _state = _target(ls, params.text_document.uri, params.position)
    if target is None or target.kind not in ("experiment", "argument"):
        return None  # the client says "cannot rename this element"
    doc = ls.workspace.get_text_document(params.text_document.uri)
    rng = ls.range_out(doc.lines, target.line, target.column, target.line, target.end_column)
    return t.PrepareRenamePlaceholder(range=rng, placeholder=target.name)


@server.feature(t.TEXT_DOCUMENT_RENAME, t.RenameOptions(prepare_provider=True))
@server.thread()
def rename(ls: GraftServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
    target, state = _target(ls, params.text_document.uri, params.position)
    if target is None:
        return None
    texts = _open_texts(ls)
    try:
        plan = refs.rename(state.index, target, params.new_name, texts)  # type: ignore[attr-defined]
    except refs.RenameError as e:
        raise _InvalidRename(str(e)) from None
    if plan.rename_file is not None and not _can_rename_files(ls):
        raise _InvalidRename("the editor cannot rename files (resource operations)")
    versions = {
        uri_to_path(uri).resolve(): doc.version
        for uri, doc in list(ls.workspace.text_documents.items())
    }
    changes: list[t.TextDocumentEdit | t.RenameFile] = []
    for file, edits in sorted(plan.edits.items()):
        lines = _lines(file, texts)
        changes.append(
            t.TextDocumentEdit(
                text_document=t.OptionalVersionedTextDocumentIdentifier(
                    uri=Path(file).as_uri(), version=versions.get(Path(file))
                ),
                edits=[
                    t.TextEdit(
                        ls.range_out(lines, e.line, e.column, e.end_line, e.end_column), e.text
                    )
                    for e in edits
                ],
            )
        )
    if plan.rename_file is not None:
        old, new = plan.rename_file
        changes.append(t.RenameFile(old_uri=Path(old).as_uri(), new_uri=Path(new).as_uri()))
    return t.WorkspaceEdit(document_changes=changes)


def _can_rename_files(ls: GraftServer) -> bool:
    workspace = getattr(ls.client_capabilities, "workspace", None)
    edit = getattr(workspace, "workspace_edit", None) if workspace is not None else None
    if edit is None:
        return False
    # Neovim lists resource operations without ``documentChanges``, and applies them
    return t.ResourceOperationKind.Rename in (edit.resource_operations or [])

"""Driving the real graftlab language server over stdio, as VS Code would.

``start_server(root)`` starts ``python -m graftlab_lsp --stdio`` with pytest-lsp's client
and VS Code's client capabilities, initializes it on the workspace ``root`` and returns a
``Session`` with helpers to open and edit documents and wait for diagnostics.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

# -P: the workspace (the working directory) never shadows the server's modules, as editors
# must start it (a workspace file graftlab_lsp.py would otherwise run)
SERVER = [sys.executable, "-P", "-m", "graftlab_lsp", "--stdio"]


class Session:
    """A client connected to one server, with every diagnostics notification kept."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.published: dict[str, list[list[t.Diagnostic]]] = {}
        self.versions: dict[str, int] = {}
        self.publications: dict[str, list[t.PublishDiagnosticsParams]] = {}
        self.registrations: list[t.Registration] = []
        self.unregistrations: list[t.Unregistration] = []
        self.texts: dict[str, str] = {}
        self.initialize_result: t.InitializeResult | None = None

    # -- documents -------------------------------------------------------------------------------

    def uri(self, rel: str | Path) -> str:
        path = Path(rel)
        if not path.is_absolute():
            path = self.root / path
        return path.resolve().as_uri()

    def open(self, rel: str | Path, text: str | None = None) -> str:
        uri = self.uri(rel)
        if text is None:
            text = Path(t_path(uri)).read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.texts[uri] = text
        self.client.text_document_did_open(
            t.DidOpenTextDocumentParams(t.TextDocumentItem(uri, "python", 1, text))
        )
        return uri

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(
            t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri))
        )

    def change(self, uri: str, *edits: tuple[t.Range | None, str]) -> None:
        """Incremental edits (a ``None`` range replaces the whole text)."""
        self.versions[uri] += 1
        changes: list[Any] = []
        for rng, text in edits:
            if rng is None:
                changes.append(t.TextDocumentContentChangeWholeDocument(text=text))
                self.texts[uri] = text
            else:
                changes.append(t.TextDocumentContentChangePartial(range=rng, text=text))
                self.texts[uri] = apply_edit(self.texts[uri], rng, text)
        self.client.text_document_did_change(
            t.DidChangeTextDocumentParams(
                t.VersionedTextDocumentIdentifier(version=self.versions[uri], uri=uri), changes
            )
        )

    def replace(self, uri: str, text: str) -> None:
        """Replace the whole document with one incremental edit over its full range."""
        old = self.texts[uri]
        lines = old.split("\n")
        end = t.Position(len(lines) - 1, utf16_len(lines[-1]))
        self.change(uri, (t.Range(t.Position(0, 0), end), text))

    # -- diagnostics -------------------------------------------------------------------------------

    def count(self, uri: str) -> int:
        return len(self.published.get(uri, []))

    async def wait_diagnostics(
        self,
        uri: str,
        predicate: Callable[[Sequence[t.Diagnostic]], bool],
        timeout: float = 20.0,
    ) -> Sequence[t.Diagnostic]:
        """The first published diagnostics (the latest already counts) that satisfy ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.published.get(uri)
            if got and predicate(got[-1]):
                return got[-1]
            if time.monotonic() > deadline:
                last = got[-1] if got else None
                raise AssertionError(f"no matching diagnostics for {uri}; last: {last}")
            await asyncio.sleep(0.02)

    async def wait_published(self, uri: str, n: int, timeout: float = 20.0) -> list[t.Diagnostic]:
        """Wait until ``n`` notifications were published for ``uri``; the latest diagnostics."""
        deadline = time.monotonic() + timeout
        while self.count(uri) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self.count(uri)} of {n} publications for {uri}")
            await asyncio.sleep(0.01)
        return self.published[uri][-1]

    async def checked(self, uri: str, before: int, timeout: float = 20.0) -> list[t.Diagnostic]:
        """The diagnostics of the version just sent (an open or change made when ``count`` was
        ``before``). A publication of an older version (a republish when run records change)
        may arrive after the change was sent: it is not the answer."""
        deadline = time.monotonic() + timeout
        await self.wait_published(uri, before + 1, timeout)
        while self.publications[uri][-1].version != self.versions[uri]:
            if time.monotonic() > deadline:
                got = self.publications[uri][-1].version
                raise AssertionError(
                    f"no publication of version {self.versions[uri]} for {uri} (last: {got})"
                )
            await asyncio.sleep(0.01)
        return self.published[uri][-1]

    async def open_checked(
        self, rel: str | Path, text: str | None = None
    ) -> tuple[str, list[t.Diagnostic]]:
        """Open a document and wait for the loader's diagnostics of it."""
        uri = self.uri(rel)
        before = self.count(uri)
        self.open(rel, text)
        return uri, await self.checked(uri, before)

    async def replace_checked(self, uri: str, text: str) -> list[t.Diagnostic]:
        """Replace a document's text (one incremental edit) and wait for the loader's answer."""
        before = self.count(uri)
        self.replace(uri, text)
        return await self.checked(uri, before)

    async def edit_checked(
        self, uri: str, *edits: tuple[t.Range | None, str]
    ) -> list[t.Diagnostic]:
        before = self.count(uri)
        self.change(uri, *edits)
        return await self.checked(uri, before)

    # -- requests ----------------------------------------------------------------------------------

    async def complete(self, uri: str, line: int, character: int) -> list[t.CompletionItem]:
        result = await self.client.text_document_completion_async(
            t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(line, character))
        )
        if result is None:
            return []
        return list(result.items if isinstance(result, t.CompletionList) else result)

    async def hover(self, uri: str, line: int, character: int) -> str | None:
        result = await self.client.text_document_hover_async(
            t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(line, character))
        )
        if result is None:
            return None
        contents = result.contents
        return contents.value if isinstance(contents, t.MarkupContent) else str(contents)

    async def definition(self, uri: str, line: int, character: int) -> t.Location | None:
        result = await self.client.text_document_definition_async(
            t.DefinitionParams(t.TextDocumentIdentifier(uri), t.Position(line, character))
        )
        if isinstance(result, list):
            return result[0] if result else None
        return result  # type: ignore[return-value]

    async def symbols(self, uri: str) -> list[t.DocumentSymbol]:
        result = await self.client.text_document_document_symbol_async(
            t.DocumentSymbolParams(t.TextDocumentIdentifier(uri))
        )
        return list(result or [])  # type: ignore[arg-type]

    async def code_actions(
        self, uri: str, diagnostics: Sequence[t.Diagnostic]
    ) -> list[t.CodeAction]:
        rng = diagnostics[0].range if diagnostics else t.Range(t.Position(0, 0), t.Position(0, 0))
        result = await self.client.text_document_code_action_async(
            t.CodeActionParams(
                t.TextDocumentIdentifier(uri), rng, t.CodeActionContext(list(diagnostics))
            )
        )
        return [a for a in result or [] if isinstance(a, t.CodeAction)]

    async def format(self, uri: str) -> list[t.TextEdit]:
        result = await self.client.text_document_formatting_async(
            t.DocumentFormattingParams(
                t.TextDocumentIdentifier(uri), t.FormattingOptions(tab_size=4, insert_spaces=True)
            )
        )
        return list(result or [])

    async def command(self, name: str, *args: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            t.ExecuteCommandParams(command=name, arguments=list(args))
        )

    async def stop(self) -> None:
        try:
            await asyncio.wait_for(self.client.shutdown_session(), 10)
        finally:
            await self.client.stop()


def t_path(uri: str) -> str:
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _offset(text: str, pos: t.Position) -> int:
    """The string index of an LSP (UTF-16) position in ``text``."""
    lines = text.split("\n")
    line = min(pos.line, len(lines) - 1)
    start = sum(len(x) + 1 for x in lines[:line])
    units = 0
    for i, ch in enumerate(lines[line]):
        if units >= pos.character:
            return start + i
        units += 2 if ord(ch) > 0xFFFF else 1
    return start + len(lines[line])


def apply_edit(text: str, rng: t.Range, new: str) -> str:
    return text[: _offset(text, rng.start)] + new + text[_offset(text, rng.end) :]


def apply_edits(text: str, edits: Sequence[t.TextEdit]) -> str:
    """Apply LSP text edits (non-overlapping, any order) to ``text``."""
    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        text = apply_edit(text, e.range, e.new_text)
    return text


async def start_server(
    root: Path,
    *,
    command: list[str] | None = None,
    trusted: bool | None = True,
    editor: str = "visual-studio-code",
    folders: Sequence[Path] | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    options: dict[str, Any] | None = None,
    caps: t.ClientCapabilities | None = None,
) -> Session:
    """Start the real server on ``root`` and initialize it like ``editor`` (VS Code, or
    ``"neovim"``: no dynamic registration of file watchers).

    ``trusted`` is sent as ``initializationOptions.trusted`` (``None``: no options at all, as
    an editor that knows nothing of trust); ``folders`` are the workspace folders (``root``);
    ``caps``, when given, are sent in place of ``editor``'s capabilities.
    """
    client = LanguageClient()
    session = Session(client, root)

    def publish(ls: LanguageClient, params: t.PublishDiagnosticsParams) -> None:
        ls.diagnostics[params.uri] = params.diagnostics
        session.published.setdefault(params.uri, []).append(list(params.diagnostics))
        session.publications.setdefault(params.uri, []).append(params)

    def register(ls: LanguageClient, params: t.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    def unregister(ls: LanguageClient, params: t.UnregistrationParams) -> None:
        session.unregistrations.extend(params.unregisterations)

    register_lsp_features(
        client,
        {
            **DEFAULT_CLIENT_FEATURES,
            t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
            t.CLIENT_REGISTER_CAPABILITY: register,
            t.CLIENT_UNREGISTER_CAPABILITY: unregister,
        },
    )
    await client.start_io(*(command or SERVER), cwd=str(cwd or root), env=env)
    caps = caps if caps is not None else capabilities(editor)
    folders = list(folders) if folders is not None else [root]
    session.initialize_result = await client.initialize_session(
        t.InitializeParams(
            capabilities=caps,
            root_uri=folders[0].resolve().as_uri() if folders else None,
            workspace_folders=[t.WorkspaceFolder(f.resolve().as_uri(), f.name) for f in folders],
            initialization_options=(
                None if trusted is None and not options else {"trusted": trusted, **(options or {})}
            ),
        )
    )
    return session


def capabilities(editor: str) -> t.ClientCapabilities:
    """The client capabilities pytest-lsp recorded from ``editor`` ("visual-studio-code",
    "neovim": the latter does not register file watchers dynamically)."""
    return client_capabilities(editor)

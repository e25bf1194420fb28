"""Robustness: random edits (broken syntax, binary garbage, odd unicode, half-typed URIs,
deleted ranges) sent through didChange; the server answers every request and never dies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp_client import Session, start_server, utf16_len
from lsp_workspace import BASELINE, WIDE
from lsprotocol import types as t

pytestmark = pytest.mark.asyncio(loop_scope="module")

SNIPPETS = [
    "Conv(",
    "features=",
    ")",
    "]",
    "[",
    '"team/widen?fac',
    '"team/act?activation=',
    "&",
    "?",
    'Derived(base="',
    "Act.",
    "\n",
    "    ",
    "#",
    "'''",
    '"',
    "\\",
    "x = ",
    "from team import ",
    "import ",
    "lambda: 1",
    "\x00\x01\xff",
    "é😀\u200b\ufeff\U0010ffff",
    "\r\n",
    "\t",
    "=" * 3,
    "(" * 50,
]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lsp(new_workspace: Callable[..., Path]) -> AsyncIterator[Session]:
    session = await start_server(new_workspace(name="robust"))
    yield session
    await session.stop()


def _position(text: str, offset: int) -> t.Position:
    before = text[:offset]
    line = before.count("\n")
    col = utf16_len(before[before.rfind("\n") + 1 :])
    return t.Position(line, col)


edit_strategy = st.tuples(
    st.floats(0, 1),
    st.floats(0, 1),
    st.one_of(
        st.sampled_from(SNIPPETS),
        st.text(max_size=12),
        st.binary(max_size=8).map(lambda b: b.decode("latin-1")),
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=st.sampled_from([BASELINE, WIDE, ""]), edits=st.lists(edit_strategy, max_size=6))
async def test_random_edits_never_kill_the_server(
    lsp: Session, start: str, edits: list[tuple[float, float, str]]
) -> None:
    uri = lsp.uri("experiments/fuzz.py")
    if uri not in lsp.texts:
        lsp.open("experiments/fuzz.py", start)
    else:
        lsp.change(uri, (None, start))
    for a, b, insert in edits:
        text = lsp.texts[uri]
        # keep positions on code-point boundaries that the client would send
        i, j = sorted((int(a * len(text)), int(b * len(text))))
        lsp.change(uri, (t.Range(_position(text, i), _position(text, j)), insert))
        text = lsp.texts[uri]
        pos = _position(text, i + len(insert))
        results = await asyncio.wait_for(
            asyncio.gather(
                lsp.client.text_document_completion_async(
                    t.CompletionParams(t.TextDocumentIdentifier(uri), pos)
                ),
                lsp.client.text_document_hover_async(
                    t.HoverParams(t.TextDocumentIdentifier(uri), pos)
                ),
                lsp.client.text_document_document_symbol_async(
                    t.DocumentSymbolParams(t.TextDocumentIdentifier(uri))
                ),
                lsp.client.text_document_definition_async(
                    t.DefinitionParams(t.TextDocumentIdentifier(uri), pos)
                ),
            ),
            timeout=20,
        )
        assert results[0] is not None  # completion always answers (maybe with no items)
    # and the loader's diagnostics for the final text still come
    before = lsp.count(uri)
    lsp.change(uri, (None, lsp.texts[uri]))
    await lsp.checked(uri, before)
    assert lsp.client.error is None

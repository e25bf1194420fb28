"""The document model over stdio (issue 19, items 2-5): long lines stay instant, multi-line
imports are understood, only LSP's line breaks count, and diagnostics are published once
per version without dropping an error that still applies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from graftlab_lsp.context import analyze, imports
from lsp_client import Session, start_server, utf16_len
from lsprotocol import types as t

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lsp(new_workspace: Callable[..., Path]) -> AsyncIterator[Session]:
    session = await start_server(new_workspace(name="documents"))
    yield session
    await session.stop()


# --- item 2: long lines ---------------------------------------------------------------------


async def test_completion_at_the_end_of_a_100000_character_line(lsp: Session) -> None:
    # (a regex anchored at the end retried from every letter: 20,000 letters took 13 s)
    line = 'x = ["' + "a" * 100_000 + '", Adam('
    text = "from team import Adam\n\n" + line
    uri = lsp.open("experiments/long_line.py", text)
    # the hover waits behind nothing (requests run off the main loop)
    done = await asyncio.wait_for(
        asyncio.gather(lsp.complete(uri, 2, len(line)), lsp.hover(uri, 0, 18)), timeout=60
    )
    items, hover = done
    assert {i.label for i in items} >= {"learning_rate=", "beta="}
    assert hover is not None and "team.Adam" in hover


async def test_context_of_a_long_word_is_read_backwards() -> None:
    word = "b" * 200_000
    ctx = analyze([f"x = Trainer(optimizer={word}"], 0, len(f"x = Trainer(optimizer={word}"))
    assert ctx.prefix == word and ctx.innermost is not None
    assert ctx.innermost.callee == "Trainer" and ctx.innermost.keyword == "optimizer"
    ctx = analyze([f"{word}  ("], 0, len(word) + 3)
    assert ctx.innermost is not None and ctx.innermost.callee == word


# --- item 3: parenthesized multi-line imports ------------------------------------------------

GROUPED = """\
from graftlab.ml import (
    Conv,  # the convolution
    Dense,
)
from team import Act, \\
    Trainer as T
import team as tm
"""


async def test_imports_over_several_lines() -> None:
    assert imports(GROUPED) == {
        "Conv": ("graftlab.ml", "Conv"),
        "Dense": ("graftlab.ml", "Dense"),
        "Act": ("team", "Act"),
        "T": ("team", "Trainer"),
        "tm": ("team", None),
    }


async def test_hover_definition_and_keywords_with_grouped_imports(lsp: Session) -> None:
    text = "from team import (\n    Conv,\n    Trainer,\n)\n\nx = Conv(features=3)\ny = Conv("
    uri = lsp.open("experiments/grouped.py", text)
    hover = await lsp.hover(uri, 5, 5)
    assert hover is not None and hover.startswith("**class** `team.Conv`")
    loc = await lsp.definition(uri, 5, 5)
    assert loc is not None and loc.uri.endswith("/team.py")
    labels = [i.label for i in await lsp.complete(uri, 6, len("y = Conv("))]
    assert labels[:3] == ["features=", "kernel_size=", "activation="]


# --- item 4: line separators -------------------------------------------------------------------


async def test_only_lsp_line_breaks_count(lsp: Session) -> None:
    # U+2028, U+0085 and a form feed are no line breaks for LSP (nor for Python)
    text = (
        "from team import Conv  # one\u2028two\x85three\n"
        "\x0c\n"
        'x = Conv(features=3, padding="same", use_bias=True)  # 😀\n'
        'y = Conv(features="😀", kernel_siz=3)\n'
    )
    uri, diags = await lsp.open_checked("experiments/separators.py", text)
    bad = {d.message.split(";")[0]: d.range for d in diags}
    rng = bad["Conv has no argument 'kernel_siz'"]
    col = utf16_len('y = Conv(features="😀", ')
    assert (rng.start.line, rng.start.character) == (3, col)
    assert (rng.end.line, rng.end.character) == (3, col + len("kernel_siz"))
    # an incremental edit after the separators lands where it should: the error goes
    fix = t.Range(t.Position(3, col + len("kernel_siz")), t.Position(3, col + len("kernel_siz")))
    diags = await lsp.edit_checked(uri, (fix, "e"))
    assert [d.range.start.line for d in diags] == [3]  # features="😀" is still wrong
    assert "kernel_siz" not in diags[0].message
    # the server's copy equals ours: a whole-line edit at the end applies cleanly
    end = t.Position(4, 0)
    diags = await lsp.edit_checked(uri, (t.Range(t.Position(3, 0), end), "y = Conv(features=4)\n"))
    assert diags == []


# --- item 5: one publication per version --------------------------------------------------------


async def test_no_republish_at_start_when_there_are_no_runs(
    new_workspace: Callable[..., Path],
) -> None:
    """The run-record poller's first look used to count as a change: a second after start
    every open document was published again (a version twice), and a client waiting for the
    next publication after an edit could take that stale one as the edit's answer."""
    session = await start_server(new_workspace(name="norepublish"))
    try:
        uri, _ = await session.open_checked(
            "experiments/quiet.py", "from team import Conv\n\nx = Conv(features=3)\n"
        )
        await asyncio.sleep(2.5)  # the poller looks every second
        assert [p.version for p in session.publications[uri]] == [1]
    finally:
        await session.stop()


async def test_one_publication_per_version_keeps_the_loaders_errors(lsp: Session) -> None:
    text = "from team import Conv\n\nx = Conv(features=3, kernel_siz=3)\n"
    uri, _ = await lsp.open_checked("experiments/flicker.py", text)
    for i in range(5):  # unrelated edits at the end of the file, as fast as they come
        line = 3 + i
        lsp.change(uri, (t.Range(t.Position(line, 0), t.Position(line, 0)), f"# note {i}\n"))
    await lsp.wait_diagnostics(uri, lambda ds: True)
    deadline = asyncio.get_running_loop().time() + 30
    while lsp.publications[uri][-1].version != lsp.versions[uri]:
        assert asyncio.get_running_loop().time() < deadline, "the last version was not checked"
        await asyncio.sleep(0.05)
    versions = [p.version for p in lsp.publications[uri]]
    assert versions == sorted(set(versions)), versions  # each version at most once, in order
    for p in lsp.publications[uri]:
        assert [d.message.split(";")[0] for d in p.diagnostics] == [
            "Conv has no argument 'kernel_siz'"
        ]

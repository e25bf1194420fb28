"""References and rename across the repository's experiments and chains (issue #19), over
real stdio: classes, rules and experiments are found in every experiment file; renaming an
experiment renames its file and every ``base=``; renaming a rule's argument updates every
URI, the rule's parameter and its uses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from lsp_client import Session, apply_edits, start_server, t_path
from lsp_workspace import PATCHES, WIDE, position
from lsprotocol import types as t
from pygls.exceptions import JsonRpcException

TALL = """\
from graftlab import Derived

experiment = Derived(base="baseline", patches=["team/widen?factor=2", "team/act"])
"""


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lsp(new_workspace: Callable[..., Path]) -> AsyncIterator[Session]:
    session = await start_server(new_workspace({"experiments/tall.py": TALL}, name="refs"))
    yield session
    await session.stop()


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def refs(lsp: Session, uri: str, line: int, col: int) -> set[tuple[str, int, int, int]]:
    result = await lsp.client.text_document_references_async(
        t.ReferenceParams(
            context=t.ReferenceContext(include_declaration=True),
            text_document=t.TextDocumentIdentifier(uri),
            position=t.Position(line, col),
        )
    )
    return {
        (
            Path(t_path(r.uri)).relative_to(lsp.root).as_posix(),
            r.range.start.line,
            r.range.start.character,
            r.range.end.character,
        )
        for r in result or []
    }


async def test_references_of_a_class(lsp: Session) -> None:
    text = (lsp.root / "experiments/baseline.py").read_text()
    uri = lsp.open("experiments/baseline.py")
    found = await refs(lsp, uri, *position(text, "Conv(features=16", 1))
    uses = {(f, line) for f, line, _c, _e in found}
    broken = (lsp.root / "experiments/broken.py").read_text()
    assert ("experiments/baseline.py", position(text, "Conv(features=16")[0]) in uses
    assert ("experiments/broken.py", position(broken, "Conv(features=4")[0]) in uses
    assert any(f == "team.py" for f, _l in uses)  # the declaration
    line, col = position(text, "Conv(features=16")
    assert ("experiments/baseline.py", line, col, col + 4) in found


async def test_references_of_a_rule_and_of_an_experiment(lsp: Session) -> None:
    uri = lsp.open("experiments/wide.py", WIDE)
    found = await refs(lsp, uri, *position(WIDE, "team/widen", 2))
    line, col = position(WIDE, "team/widen")
    tall_line, tall_col = position(TALL, "team/widen")
    assert ("experiments/wide.py", line, col, col + len("team/widen")) in found
    assert ("experiments/tall.py", tall_line, tall_col, tall_col + len("team/widen")) in found
    assert any(f == "patches.py" for f, *_ in found)
    assert not any("team/lr" in f for f, *_ in found)

    found = await refs(lsp, uri, *position(WIDE, '"baseline"', 3))
    line, col = position(WIDE, "baseline")
    assert found == {
        ("experiments/wide.py", line, col, col + len("baseline")),
        ("experiments/tall.py", *position(TALL, "baseline"), position(TALL, "baseline")[1] + 8),
        ("experiments/baseline.py", 0, 0, 0),
    }


async def test_rename_an_experiment_renames_its_file_and_every_base(lsp: Session) -> None:
    uri = lsp.open("experiments/wide.py", WIDE)
    pos = t.Position(*position(WIDE, '"baseline"', 3))
    prepared = await lsp.client.text_document_prepare_rename_async(
        t.PrepareRenameParams(text_document=t.TextDocumentIdentifier(uri), position=pos)
    )
    assert isinstance(prepared, t.PrepareRenamePlaceholder)
    assert prepared.placeholder == "baseline"
    line, col = position(WIDE, "baseline")
    assert prepared.range == t.Range(t.Position(line, col), t.Position(line, col + 8))
    edit = await lsp.client.text_document_rename_async(
        t.RenameParams(
            text_document=t.TextDocumentIdentifier(uri), position=pos, new_name="baseline_v2"
        )
    )
    assert edit is not None and edit.document_changes is not None
    renames = [c for c in edit.document_changes if isinstance(c, t.RenameFile)]
    assert [(t_path(r.old_uri), t_path(r.new_uri)) for r in renames] == [
        (str(lsp.root / "experiments/baseline.py"), str(lsp.root / "experiments/baseline_v2.py"))
    ]
    assert edit.document_changes[-1] is renames[0]  # the file moves after the text edits
    texts = {"experiments/wide.py": WIDE, "experiments/tall.py": TALL}
    edited = {}
    for change in edit.document_changes:
        if isinstance(change, t.TextDocumentEdit):
            rel = Path(t_path(change.text_document.uri)).relative_to(lsp.root).as_posix()
            edited[rel] = apply_edits(texts[rel], change.edits)  # type: ignore[arg-type]
    assert edited == {
        "experiments/wide.py": WIDE.replace('base="baseline"', 'base="baseline_v2"'),
        "experiments/tall.py": TALL.replace('base="baseline"', 'base="baseline_v2"'),
    }


async def test_rename_a_rule_argument_updates_every_uri_and_the_rule(lsp: Session) -> None:
    uri = lsp.open("experiments/wide.py", WIDE)
    pos = t.Position(*position(WIDE, "factor=3", 2))
    prepared = await lsp.client.text_document_prepare_rename_async(
        t.PrepareRenameParams(text_document=t.TextDocumentIdentifier(uri), position=pos)
    )
    assert isinstance(prepared, t.PrepareRenamePlaceholder) and prepared.placeholder == "factor"
    edit = await lsp.client.text_document_rename_async(
        t.RenameParams(
            text_document=t.TextDocumentIdentifier(uri), position=pos, new_name="multiplier"
        )
    )
    assert edit is not None and edit.document_changes is not None
    assert not any(isinstance(c, t.RenameFile) for c in edit.document_changes)
    texts = {"experiments/wide.py": WIDE, "experiments/tall.py": TALL, "patches.py": PATCHES}
    edited = {}
    for change in edit.document_changes:
        assert isinstance(change, t.TextDocumentEdit)
        rel = Path(t_path(change.text_document.uri)).relative_to(lsp.root).as_posix()
        edited[rel] = apply_edits(texts[rel], change.edits)  # type: ignore[arg-type]
    assert edited["experiments/wide.py"] == WIDE.replace("widen?factor=3", "widen?multiplier=3")
    assert edited["experiments/tall.py"] == TALL.replace("widen?factor=2", "widen?multiplier=2")
    widen = PATCHES[
        PATCHES.index('@gl.patcher("team/widen")') : PATCHES.index('@gl.patcher("team/lr")')
    ]
    renamed = widen.replace("factor: int = 2", "multiplier: int = 2")
    renamed = renamed.replace("factor: how much", "multiplier: how much")
    renamed = renamed.replace("c.features * factor", "c.features * multiplier")
    assert edited["patches.py"] == PATCHES.replace(widen, renamed)


async def test_renames_that_cannot_be_done(lsp: Session) -> None:
    uri = lsp.open("experiments/wide.py", WIDE)
    pos = t.Position(*position(WIDE, '"baseline"', 3))
    with pytest.raises(JsonRpcException, match="exists already"):
        await lsp.client.text_document_rename_async(
            t.RenameParams(
                text_document=t.TextDocumentIdentifier(uri), position=pos, new_name="broken"
            )
        )
    with pytest.raises(JsonRpcException, match="not an experiment name"):
        await lsp.client.text_document_rename_async(
            t.RenameParams(
                text_document=t.TextDocumentIdentifier(uri), position=pos, new_name="a b"
            )
        )
    # a rule's name is registered in code, not renamed from an experiment
    rule = t.Position(*position(WIDE, "team/widen", 2))
    assert (
        await lsp.client.text_document_prepare_rename_async(
            t.PrepareRenameParams(text_document=t.TextDocumentIdentifier(uri), position=rule)
        )
        is None
    )
    caps = lsp.initialize_result.capabilities  # type: ignore[union-attr]
    assert caps.references_provider and caps.rename_provider == t.RenameOptions(
        prepare_provider=True
    )


@pytest.mark.asyncio(loop_scope="function")
async def test_rename_with_neovims_capabilities(new_workspace: Callable[..., Path]) -> None:
    """Neovim declares resource operations without ``documentChanges``: the rename is offered."""
    root = new_workspace({"experiments/tall.py": TALL}, name="refs-nvim")
    nvim = await start_server(root, editor="neovim")
    try:
        uri = nvim.open("experiments/tall.py", TALL)
        pos = t.Position(*position(TALL, '"baseline"', 3))
        edit = await nvim.client.text_document_rename_async(
            t.RenameParams(text_document=t.TextDocumentIdentifier(uri), position=pos, new_name="b2")
        )
        assert edit is not None and edit.document_changes is not None
        assert isinstance(edit.document_changes[-1], t.RenameFile)
        assert t_path(edit.document_changes[-1].new_uri) == str(root / "experiments/b2.py")
    finally:
        await nvim.stop()

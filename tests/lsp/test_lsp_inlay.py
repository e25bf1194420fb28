"""Inlay hints on a derived experiment (issue #19): beside each patch URI, the values its rule
set in the materialized experiment, from the worker's provenance; none on a restricted root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_client import Session, start_server
from lsp_workspace import WIDE, position
from lsprotocol import types as t

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def hints(lsp: Session, uri: str, text: str) -> list[t.InlayHint]:
    end = t.Position(text.count("\n") + 1, 0)
    result = await lsp.client.text_document_inlay_hint_async(
        t.InlayHintParams(t.TextDocumentIdentifier(uri), t.Range(t.Position(0, 0), end))
    )
    return list(result or [])


async def test_values_set_by_each_rule_beside_its_uri(new_workspace: Callable[..., Path]) -> None:
    lsp = await start_server(new_workspace(name="inlay"))
    try:
        caps = lsp.initialize_result.capabilities  # type: ignore[union-attr]
        assert caps.inlay_hint_provider is not None
        uri, diags = await lsp.open_checked("experiments/wide.py")
        assert diags == []
        got = await hints(lsp, uri, WIDE)
        by_label = {str(h.label): h for h in got}
        # the baseline's Conv(features=16), widened 3 times; the learning rate set to 0.5
        assert set(by_label) == {"layers[0].features = 48", "optimizer.learning_rate = 0.5"}
        widen = by_label["layers[0].features = 48"]
        line, col = position(WIDE, '"team/widen?factor=3"', len('"team/widen?factor=3"'))
        assert (widen.position.line, widen.position.character) == (line, col)
        tooltip = widen.tooltip
        assert isinstance(tooltip, t.MarkupContent)
        assert "`team/widen?factor=3`" in tooltip.value and "#0" in tooltip.value
        lr = by_label["optimizer.learning_rate = 0.5"]
        assert lr.position.line == position(WIDE, '"team/lr?0.5"')[0]
        # only the requested lines
        result = await lsp.client.text_document_inlay_hint_async(
            t.InlayHintParams(
                t.TextDocumentIdentifier(uri),
                t.Range(t.Position(lr.position.line, 0), t.Position(lr.position.line + 1, 0)),
            )
        )
        assert [str(h.label) for h in result or []] == ["optimizer.learning_rate = 0.5"]
        # a plain experiment has none
        base_uri, _ = await lsp.open_checked("experiments/baseline.py")
        assert await hints(lsp, base_uri, (lsp.root / "experiments/baseline.py").read_text()) == []
    finally:
        await lsp.stop()


async def test_no_hints_on_a_restricted_root(new_workspace: Callable[..., Path]) -> None:
    lsp = await start_server(new_workspace(name="inlay-restricted"), trusted=False)
    try:
        uri, _diags = await lsp.open_checked("experiments/wide.py")
        assert await hints(lsp, uri, WIDE) == []
    finally:
        await lsp.stop()

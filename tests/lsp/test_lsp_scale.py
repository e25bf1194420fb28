"""A workspace with 2,000 symbolic classes in 20 modules still completes correctly (and fast)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_client import start_server

pytestmark = pytest.mark.asyncio(loop_scope="function")

MODULES, PER_MODULE = 20, 100


def library(m: int) -> str:
    out = ["import enum", "from typing import Literal", "", "import graftlab as gl", ""]
    out += [f"class Mode{m}(enum.Enum):", "    A = 1", "    B = 2", ""]
    for k in range(PER_MODULE):
        base = f"C{m}_{k - 1}" if k % 10 else ""
        out += [
            "@gl.symbolize",
            f"class C{m}_{k}({base}):" if base else f"class C{m}_{k}:",
            f'    """Class {k} of module {m}."""',
            "",
            f"    def __init__(self, size_{k}: int = {k}, mode: Mode{m} = Mode{m}.A,"
            f" kind: Literal['x', 'y'] = 'x', child: 'C{m}_{k - k % 10} | None' = None):",
            f"        self.size_{k} = size_{k}",
            "",
        ]
    return "\n".join(out) + "\n"


def files() -> dict[str, str]:
    names = [f"lib_{m:02d}" for m in range(MODULES)]
    out = {f"{name}.py": library(m) for m, name in enumerate(names)}
    allowed = ", ".join(f'"{n}"' for n in ["team", "patches", *names])
    out["graft.toml"] = f'[graft]\nallowed_modules = [{allowed}]\npatch_modules = ["patches"]\n'
    return out


async def test_thousands_of_classes(new_workspace: Callable[..., Path]) -> None:
    root = new_workspace(files(), name="scale")
    lsp = await start_server(root)
    try:
        text = "from lib_07 import C7_42\n\nexperiment = C7_42(\n    "
        uri = lsp.open("experiments/big.py", text)
        deadline = time.monotonic() + 60
        while True:  # the index is built in the background: keywords appear once it is ready
            result = await lsp.client.text_document_completion_async(_params(uri, 3, 4))
            assert result is not None and not isinstance(result, list)
            if any(i.label.endswith("=") for i in result.items) or time.monotonic() > deadline:
                break
        keywords = [i.label for i in result.items if i.label.endswith("=")]
        assert keywords == ["size_42=", "mode=", "kind=", "child="]
        # 2,000 classes are not all sent on every keystroke: the list is cut and marked
        # incomplete, so the editor asks again as the user types...
        from graftlab_lsp.server import COMPLETION_LIMIT

        assert result.is_incomplete and len(result.items) == COMPLETION_LIMIT
        # ...and then every class matching what was typed comes back
        lsp.replace(uri, text + "C19_1")
        result = await lsp.client.text_document_completion_async(_params(uri, 3, 9))
        labels = {i.label for i in result.items}
        assert {f"C19_{k}" for k in range(PER_MODULE) if str(k).startswith("1")} <= labels
        assert not result.is_incomplete

        # the argument's type: C7_40 and its subclasses (C7_41..C7_49)
        lsp.replace(uri, text + "child=")
        start = time.perf_counter()
        items = await lsp.complete(uri, 3, 10)
        elapsed = time.perf_counter() - start
        assert sorted(i.label for i in items) == sorted(f"C7_{k}" for k in range(40, 50))
        assert elapsed < 2.0
        lsp.replace(uri, text + "mode=")
        assert [i.label for i in await lsp.complete(uri, 3, 9)] == ["Mode7.A", "Mode7.B"]
        # a class from another module gets its import
        lsp.replace(uri, "x = C19_9")
        items = {i.label: i for i in await lsp.complete(uri, 0, 9)}
        edit = (items["C19_9"].additional_text_edits or [])[0]
        assert edit.new_text == "from lib_19 import C19_9\n"
    finally:
        await lsp.stop()


def _params(uri: str, line: int, character: int):
    from lsprotocol import types as t

    return t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(line, character))

"""Code lenses over an experiment (issue #19): Run, the last run's outcome from the run records
(opening the record), and a derived experiment's diff against its base."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from graftlab_lsp.features.lens import code_lenses, outcome
from lsp_client import Session, start_server, t_path
from lsp_workspace import record_run
from lsprotocol import types as t

ASYNC = pytest.mark.asyncio(loop_scope="function")


async def lenses(lsp: Session, uri: str) -> list[t.CodeLens]:
    result = await lsp.client.text_document_code_lens_async(
        t.CodeLensParams(t.TextDocumentIdentifier(uri))
    )
    return list(result or [])


def titles(found: list[t.CodeLens]) -> list[str]:
    return [lens.command.title for lens in found if lens.command is not None]


async def wait_title(lsp: Session, uri: str, start: str, timeout: float = 20) -> t.CodeLens:
    deadline = time.monotonic() + timeout
    while True:
        found = [
            x for x in await lenses(lsp, uri) if x.command and x.command.title.startswith(start)
        ]
        if found:
            return found[0]
        assert time.monotonic() < deadline, titles(await lenses(lsp, uri))
        await asyncio.sleep(0.3)


def test_outcome_lines() -> None:
    now = 10_000.0
    ok = {"status": "succeeded", "ended": now - 7300, "metrics": {"accuracy": 0.98912, "loss": 2}}
    assert outcome(ok, now) == "✓ 0.9891 accuracy, 2 loss, 2 h ago"
    failed = {
        "status": "failed",
        "ended": now - 120,
        "error": {"path": "model.layers[1]", "type": "ComponentError"},
    }
    assert outcome(failed, now) == "✗ failed at model.layers[1]: ComponentError, 2 min ago"
    assert outcome({"status": "running", "started": now - 5}, now) == "… running (started just now)"


def test_no_lenses_without_an_experiment() -> None:
    assert code_lenses("x = 1\n", "file:///x.py", None, trusted=True) == []
    assert code_lenses("x = [\n", "file:///x.py", None, trusted=True) == []


@ASYNC
async def test_run_outcome_and_diff_lenses(new_workspace: Callable[..., Path]) -> None:
    root = new_workspace(name="lens")
    lsp = await start_server(root)
    try:
        caps = lsp.initialize_result.capabilities  # type: ignore[union-attr]
        assert caps.code_lens_provider is not None
        assert "graftlab.diffWithBase" in caps.execute_command_provider.commands  # type: ignore[union-attr]
        uri, _ = await lsp.open_checked("experiments/baseline.py")
        [run] = await lenses(lsp, uri)  # never run, not derived: Run only
        assert run.command is not None
        assert (run.command.title, run.command.command) == ("▶ Run", "graftlab.runExperiment")
        assert list(run.command.arguments or []) == [uri]
        assert run.range.start.line == 4  # the `experiment = Trainer(` line

        wide, _ = await lsp.open_checked("experiments/wide.py")
        assert titles(await lenses(lsp, wide)) == ["▶ Run", "⇄ Diff with base 'baseline'"]
        diff = await lsp.command("graftlab.diffWithBase", wide)
        assert lsp.client.shown_documents[-1].uri.endswith("wide-vs-base.diff")
        assert diff == (
            "# wide against its base 'baseline'\n"
            "~ layers[0].features: 16 -> 48\n"
            "~ optimizer.learning_rate: 0.1 -> 0.5\n"
        )

        # a run is recorded: its outcome shows, and opens the record
        assert record_run(root, "baseline")["status"] == "succeeded"
        lens = await wait_title(lsp, uri, "✓ ")
        assert lens.command is not None
        assert lens.command.title.startswith("✓ 0.5 loss, ")  # 2 steps: loss 1 / 2
        assert lens.command.command == "graftlab.showRun"
        record = await lsp.command(lens.command.command, *lens.command.arguments or [])
        assert record["status"] == "succeeded" and record["experiment"] == "baseline"
        shown = lsp.client.shown_documents[-1]
        assert shown.uri.endswith(f"run-{record['id']}.json")
        assert '"status": "succeeded"' in Path(t_path(shown.uri)).read_text()

        broken, _ = await lsp.open_checked("experiments/broken.py")
        assert record_run(root, "broken")["status"] == "failed"
        lens = await wait_title(lsp, broken, "✗ ")
        assert lens.command is not None
        assert lens.command.title.startswith("✗ failed at layers[1]: ComponentError, ")
    finally:
        await lsp.stop()


@ASYNC
async def test_restricted_roots_show_the_outcome_only(new_workspace: Callable[..., Path]) -> None:
    root = new_workspace(name="lens-restricted")
    assert record_run(root, "baseline")["status"] == "succeeded"
    lsp = await start_server(root, trusted=False)
    try:
        uri = lsp.open("experiments/wide.py")
        assert await lenses(lsp, uri) == []  # no Run, no diff: both would import the code
        base = lsp.open("experiments/baseline.py")
        lens = await wait_title(lsp, base, "✓ ")
        assert titles(await lenses(lsp, base)) == [lens.command.title]  # type: ignore[union-attr]
    finally:
        await lsp.stop()

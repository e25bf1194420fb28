"""Failed runs in the editor: a run recorded in the workspace's git repository shows as a
diagnostic at the argument that built the failing object, and follows new runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_client import start_server
from lsp_workspace import BROKEN, git, position, record_run

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def test_a_failed_run_shows_at_the_argument(new_workspace: Callable[..., Path]) -> None:
    root = new_workspace(name="runs")
    lsp = await start_server(root)
    try:
        uri, diags = await lsp.open_checked("experiments/broken.py")
        assert diags == []  # the file itself loads
        assert await lsp.command("graftlab.lastRunError", uri) is None

        first = record_run(root, "broken")
        assert first["status"] == "failed"
        line, col = position(BROKEN, "Layer(width=2, explode=True)")
        end = col + len("Layer(width=2, explode=True)")

        def run_diag(run_id: object) -> Callable[[list], bool]:
            return lambda ds: any(d.code == "run-failed" and str(run_id) in d.message for d in ds)

        diags = await lsp.wait_diagnostics(uri, run_diag(first["id"]), timeout=15)
        [d] = [d for d in diags if d.code == "run-failed"]
        assert (d.range.start.line, d.range.start.character) == (line, col)
        assert (d.range.end.line, d.range.end.character) == (line, end)
        assert d.message == f"run {first['id']} failed at layers[1]: ComponentError: layer exploded"
        assert d.data == {"run": first["id"]}
        err = await lsp.command("graftlab.lastRunError", uri)
        assert err["run"] == first["id"] and err["path"] == "layers[1]"
        assert err["type"] == "ComponentError"

        # the failing layer moves; a new run is recorded: the diagnostic follows it
        moved = BROKEN.replace(
            "[Conv(features=4), Layer(width=2, explode=True)]",
            "[Layer(width=2, explode=True), Conv(features=4)]",
        )
        (root / "experiments" / "broken.py").write_text(moved)
        git(root, "commit", "-qam", "move the layer")
        await lsp.replace_checked(uri, moved)
        second = record_run(root, "broken")
        diags = await lsp.wait_diagnostics(uri, run_diag(second["id"]), timeout=15)
        [d] = [d for d in diags if d.code == "run-failed"]
        assert (d.range.start.line, d.range.start.character) == position(moved, "Layer(width=2")
        assert "layers[0]" in d.message

        # a successful run of the experiment clears it
        fixed = moved.replace("explode=True", "explode=False")
        (root / "experiments" / "broken.py").write_text(fixed)
        git(root, "commit", "-qam", "fix")
        await lsp.replace_checked(uri, fixed)
        assert record_run(root, "broken")["status"] == "succeeded"
        await lsp.wait_diagnostics(uri, lambda ds: ds == [], timeout=15)
        assert await lsp.command("graftlab.lastRunError", uri) is None
    finally:
        await lsp.stop()

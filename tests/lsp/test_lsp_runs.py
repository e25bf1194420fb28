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


CALM = """\
from team import Conv, Layer, Optimizer, Trainer

experiment = Trainer(
    layers=[Conv(features=4), Layer(width=2)],
    optimizer=Optimizer(),
    steps=1,
)
"""
BOOMY = """\
from graftlab import Derived

experiment = Derived(
    base="calm",
    patches=["team/boom?index=1"],
)
"""
BOOM_RULE = '''

@gl.patcher("team/boom")
def boom(experiment, index: int = 0):
    """Make a layer explode when the experiment runs."""
    return {f"layers[{index}].explode": True}
'''


async def test_a_failed_derived_run_shows_at_the_uri_in_the_file_that_ran(
    new_workspace: Callable[..., Path],
) -> None:
    from lsp_workspace import PATCHES

    root = new_workspace(
        {
            "patches.py": PATCHES + BOOM_RULE,
            "experiments/calm.py": CALM,
            "experiments/boomy.py": BOOMY,
        },
        name="provenance",
    )
    lsp = await start_server(root)
    try:
        calm, _ = await lsp.open_checked("experiments/calm.py")
        boomy, diags = await lsp.open_checked("experiments/boomy.py")
        assert diags == []
        run = record_run(root, "boomy")
        assert run["status"] == "failed" and run["error"]["path"] == "layers[1]"  # type: ignore[index]

        def failed(ds: list) -> bool:
            return any(d.code == "run-failed" for d in ds)

        diags = await lsp.wait_diagnostics(boomy, failed, timeout=15)
        [d] = diags
        uri_at = position(BOOMY, '"team/boom?index=1"')
        assert (d.range.start.line, d.range.start.character) == uri_at
        assert d.range.end.character == uri_at[1] + len('"team/boom?index=1"')
        assert "layer exploded" in d.message
        # the base's position, as related information
        [rel] = d.related_information or []
        assert rel.location.uri == (root / "experiments" / "calm.py").resolve().as_uri()
        assert rel.location.range.start.line == position(CALM, "Layer(width=2)")[0]
        # the base, which never ran, shows nothing
        assert lsp.published[calm][-1] == []

        # lines inserted above: the diagnostic moves with the URI
        moved = BOOMY.replace(
            "from graftlab import Derived\n", "from graftlab import Derived\n\n\n"
        )
        diags = await lsp.replace_checked(boomy, moved)
        [d] = [d for d in diags if d.code == "run-failed"]
        assert (d.range.start.line, d.range.start.character) == position(
            moved, '"team/boom?index=1"'
        )
    finally:
        await lsp.stop()

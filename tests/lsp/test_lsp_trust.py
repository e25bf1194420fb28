"""Trust: a stranger's clone runs none of its code when a file is opened (issue 19, item 1).

The server starts restricted unless told otherwise: no worker, nothing of the workspace
imported, static diagnostics from the index marked as restricted. ``initializationOptions``
``{"trusted": true}``, ``graft lsp --trusted`` or ``graft trust`` (root and graft.toml hash
in ``$XDG_CONFIG_HOME``) make it run the loader. Every module of these workspaces writes a
canary file when it is imported.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from lsp_client import SERVER, start_server
from lsp_workspace import GRAFT_TOML, PATCHES
from lsprotocol import types as t

pytestmark = pytest.mark.asyncio(loop_scope="function")


def canary(module: str) -> str:
    """Code that records, when run, that ``module`` was imported."""
    return (
        "import os as _os, pathlib as _pl\n"
        f"_pl.Path(_os.environ['GRAFT_CANARY'], {module!r}).write_text('imported')\n"
    )


SIDEFX = canary("sidefx") + (
    "import graftlab as gl\n\n\n"
    "@gl.symbolize\n"
    "class Gadget:\n"
    "    def __init__(self, size: int = 1) -> None:\n"
    "        self.size = size\n"
)
GADGET = "from sidefx import Gadget\n\nexperiment = Gadget(sise=2)\n"
FILES = {
    "graft.toml": GRAFT_TOML.replace('"team", "patches"', '"team", "patches", "sidefx"'),
    "patches.py": canary("patches") + PATCHES,
    "sidefx.py": SIDEFX,
    "graftlab_lsp.py": canary("graftlab_lsp"),
    "experiments/gadget.py": GADGET,
}


@pytest.fixture
def stranger(new_workspace: Callable[..., Path], tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A clone whose modules write canaries into a fresh folder; the env for its server."""
    root = new_workspace(FILES, name="stranger")
    canaries = tmp_path / "canaries"
    canaries.mkdir()
    env = {
        **os.environ,
        "GRAFT_CANARY": str(canaries),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    return root, env


def imported(env: dict[str, str]) -> set[str]:
    return {p.name for p in Path(env["GRAFT_CANARY"]).iterdir()}


def is_unknown_sise(ds: Sequence[t.Diagnostic]) -> bool:
    return any("has no argument 'sise'" in d.message for d in ds)


async def test_restricted_by_default_runs_nothing(stranger: tuple[Path, dict[str, str]]) -> None:
    root, env = stranger
    lsp = await start_server(root, trusted=None, env=env)  # an editor that knows no trust
    try:
        uri = lsp.open("experiments/gadget.py")
        diags = await lsp.wait_diagnostics(uri, is_unknown_sise)
        [d] = diags
        assert d.message.startswith("Gadget has no argument 'sise'; did you mean 'size'?")
        assert d.source == "graftlab (restricted)" and d.data["restricted"] is True
        # a derived experiment (its chain's rules live in patches.py) and its base
        wide = lsp.open("experiments/wide.py")
        await lsp.wait_published(wide, 1)
        assert lsp.published[wide][-1] == []
        # hover and completion still come from the static index
        assert "size" in (await lsp.hover(uri, 2, 14) or "")
        labels = {i.label for i in await lsp.complete(uri, 2, len("experiment = Gadget("))}
        assert "size=" in labels
        # formatting would need the loader: not offered
        assert await lsp.format(uri) == []
    finally:
        await lsp.stop()
    assert imported(env) == set()


async def test_static_diagnostics_of_a_restricted_workspace(
    stranger: tuple[Path, dict[str, str]],
) -> None:
    root, env = stranger
    lsp = await start_server(root, trusted=False, env=env)
    try:
        text = (
            "from graftlab import Derived\nfrom team import Act, Conv\n\n"
            'x = Conv(features=3, padding="vaild", activation=Act.RELUX)\n'
            'experiment = Derived(base="baselin", patches=["team/wdien?factor=2"])\n'
            "y = Dense(units=2)\n"
        )
        _uri, diags = await lsp.open_checked("experiments/static.py", text)
        messages = sorted(d.message for d in diags)
        assert messages == [
            "Act has no member 'RELUX'; did you mean 'RELU'?",
            "expected one of 'same', 'valid', got 'vaild'",
            "no experiment named 'baselin'; did you mean 'baseline'?",
            "no patch rule named 'team/wdien'; did you mean 'team/widen' or 'team/pad'?",
            "unknown name 'Dense': it is neither imported nor assigned earlier",
        ]
        assert all(d.source == "graftlab (restricted)" for d in diags)
    finally:
        await lsp.stop()
    assert imported(env) == set()


async def test_trusted_by_the_client_runs_the_loader(
    stranger: tuple[Path, dict[str, str]],
) -> None:
    root, env = stranger
    lsp = await start_server(root, trusted=True, env=env)
    try:
        _uri, diags = await lsp.open_checked("experiments/gadget.py")
        [d] = diags
        assert "has no argument 'sise'" in d.message and d.source == "graftlab"
        assert not (d.data or {}).get("restricted")
    finally:
        await lsp.stop()
    # the loader imported the allowed module; the workspace's graftlab_lsp.py never ran
    assert imported(env) == {"sidefx"}


def graft(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-P", "-m", "graftlab.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def _loader_ran(root: Path, env: dict[str, str], **kw: object) -> bool:
    """Whether a server started like this runs the loader on the stranger's file."""
    for p in Path(env["GRAFT_CANARY"]).iterdir():
        p.unlink()
    lsp = await start_server(root, trusted=None, env=env, **kw)  # type: ignore[arg-type]
    try:
        uri = lsp.open("experiments/gadget.py")
        [d] = await lsp.wait_diagnostics(uri, is_unknown_sise)
    finally:
        await lsp.stop()
    assert ("sidefx" in imported(env)) == (d.source == "graftlab")
    return d.source == "graftlab"


async def test_graft_trust_and_revoke(stranger: tuple[Path, dict[str, str]]) -> None:
    root, env = stranger
    assert not await _loader_ran(root, env)
    done = graft(env, "trust", cwd=root / "experiments")
    assert done.returncode == 0, done.stderr
    store = Path(env["XDG_CONFIG_HOME"]) / "graftlab" / "trusted.json"
    assert str(root.resolve()) in store.read_text()
    assert await _loader_ran(root, env)
    # a changed graft.toml needs a new `graft trust`
    toml = root / "graft.toml"
    toml.write_text(toml.read_text() + "\n# changed\n")
    assert not await _loader_ran(root, env)
    assert graft(env, "trust", str(root), cwd=Path("/")).returncode == 0
    assert await _loader_ran(root, env)
    done = graft(env, "trust", "--revoke", cwd=root)
    assert done.returncode == 0 and "revoked" in done.stdout
    assert not await _loader_ran(root, env)
    # outside any repository: an error that says why
    done = graft(env, "trust", cwd=Path(env["GRAFT_CANARY"]))
    assert done.returncode == 1 and "no graft.toml" in done.stderr


async def test_graft_lsp_trusted_flag(stranger: tuple[Path, dict[str, str]]) -> None:
    root, env = stranger
    command = [sys.executable, "-P", "-m", "graftlab.cli", "lsp", "--stdio", "--trusted"]
    assert await _loader_ran(root, env, command=command)


async def test_unknown_server_arguments_are_an_error_and_version_is_real() -> None:
    done = subprocess.run([*SERVER, "--stdoi"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--stdoi" in done.stderr
    import graftlab

    done = subprocess.run(
        [sys.executable, "-m", "graftlab.cli", "lsp", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"graftlab-lsp {graftlab.__version__}"


async def test_the_servers_log_reaches_the_client(new_workspace: Callable[..., Path]) -> None:
    import graftlab

    lsp = await start_server(new_workspace(name="logs"), options={"logLevel": "info"})
    try:
        deadline = time.monotonic() + 20
        while not lsp.client.log_messages:
            assert time.monotonic() < deadline, "no window/logMessage"
            await asyncio.sleep(0.05)
        first = lsp.client.log_messages[0]
        assert first.type == t.MessageType.Info
        assert first.message.startswith(f"graftlab-lsp {graftlab.__version__} on {sys.executable}")
        info = lsp.initialize_result.server_info if lsp.initialize_result else None
        assert info is not None and info.version == graftlab.__version__
    finally:
        await lsp.stop()

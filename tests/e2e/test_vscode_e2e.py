"""The VS Code extension (vscode-extension/): its TypeScript unit tests, and an end-to-end test
in a real VS Code -- code-server on 127.0.0.1 with the packaged .vsix installed, driven
through headless Chromium (see docs/vscode.md).

``scripts/setup_vscode_e2e.sh`` installs what is missing (Debian packages when root, the
extension's npm packages, code-server built offline) and caches code-server under
``~/.cache/graftlab-e2e``; a cold setup takes a few minutes, a warm one seconds. The language
server runs in this interpreter (``sys.executable``). Screenshots, ``result.json`` and the
VS Code logs are left in ``vscode-extension/test-artifacts/vscode-e2e/`` (or
``$GRAFTLAB_E2E_ARTIFACTS``).

Without Node.js these tests are skipped, except in CI (``$CI`` set), where that is a failure;
``GRAFTLAB_SKIP_VSCODE_E2E=1`` skips them anyway.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "vscode-extension"
SETUP = ROOT / "scripts" / "setup_vscode_e2e.sh"

pytestmark = pytest.mark.slow


def _require_node() -> None:
    if os.environ.get("GRAFTLAB_SKIP_VSCODE_E2E") == "1":
        pytest.skip("GRAFTLAB_SKIP_VSCODE_E2E=1")
    missing = [tool for tool in ("node", "npm", "bash") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the VS Code tests need {', '.join(missing)} (CI must provide them)")
        pytest.skip(f"the VS Code tests need {', '.join(missing)}")


def _run(cmd: list[str], timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )  # type: ignore[call-overload]
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-20000:]}\n--- stderr ---\n{proc.stderr[-20000:]}",
            pytrace=False,
        )
    return proc


def test_extension_unit_tests() -> None:
    """npm ci, the .vsix, then the TypeScript unit tests (node:test)."""
    _require_node()
    _run(["bash", str(SETUP), "--extension-only"], timeout=900)
    proc = _run(["npm", "test", "--silent"], timeout=600, cwd=EXT)
    assert "# fail 0" in proc.stdout, proc.stdout
    assert (EXT / "dist" / "graftlab.vsix").is_file()


def test_vscode_end_to_end() -> None:
    """Diagnostics, completion, the materialized view, the semantic diff, a run's error, Run
    Experiment, an interpreter without graftlab, Restricted Mode and two workspace folders
    (each with its own server and index; a folder added and one removed at run time), in a
    real VS Code (code-server) driven by headless Chromium."""
    _require_node()
    setup = _run(["bash", str(SETUP)], timeout=2400)
    lines = [ln for ln in setup.stdout.splitlines() if ln.startswith("CODE_SERVER=")]
    assert lines, setup.stdout + setup.stderr
    code_server = lines[-1].split("=", 1)[1]
    # The run makes (and removes) its own directory under the system temp dir: not under
    # pytest's tmp_path, whose long paths overflow the length limit of Unix socket paths.
    proc = _run(
        ["node", "e2e/run.mjs", "--code-server", code_server, "--python", sys.executable],
        timeout=600,
        cwd=EXT,
    )
    assert "PASS" in proc.stdout, proc.stdout
    artifacts = Path(
        os.environ.get("GRAFTLAB_E2E_ARTIFACTS", EXT / "test-artifacts" / "vscode-e2e")
    )
    assert (artifacts / "01-problems.png").is_file()
    assert (artifacts / "09-multiroot-removed.png").is_file()

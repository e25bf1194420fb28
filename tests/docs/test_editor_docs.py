"""docs/vscode.md and docs/lsp.md cannot drift from what they describe: every command and
setting the extension contributes (vscode-extension/package.json) is in docs/vscode.md with
its default, choices and trust rule, and nothing else is; every command the server offers and
every option ``graft lsp`` takes is in docs/lsp.md."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = json.loads((ROOT / "vscode-extension" / "package.json").read_text(encoding="utf-8"))
CONTRIBUTES: dict[str, Any] = PACKAGE["contributes"]
SETTINGS: dict[str, dict[str, Any]] = CONTRIBUTES["configuration"]["properties"]
VSCODE_MD = (ROOT / "docs" / "vscode.md").read_text(encoding="utf-8")
LSP_MD = (ROOT / "docs" / "lsp.md").read_text(encoding="utf-8")


def section(text: str, title: str) -> str:
    """The text of the ``## title`` section."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"no section '## {title}'"
    return match.group(1)


def table_rows(text: str) -> dict[str, str]:
    """Rows of the markdown tables in ``text`` whose first cell is one `code` name."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


@pytest.mark.parametrize(
    "command", CONTRIBUTES["commands"], ids=lambda c: c["command"].split(".")[-1]
)
def test_every_command_is_documented(command: dict[str, str]) -> None:
    title = f"**{command['category']}: {command['title']}**"
    assert title in section(VSCODE_MD, "Commands"), f"{title} is not in docs/vscode.md"


@pytest.mark.parametrize("key", sorted(SETTINGS))
def test_every_setting_is_documented_with_its_default_and_choices(key: str) -> None:
    spec = SETTINGS[key]
    row = table_rows(section(VSCODE_MD, "Settings")).get(key)
    assert row is not None, f"`{key}` has no row in docs/vscode.md's settings table"
    default_cell = row.split("|")[0].strip()
    assert default_cell == f"`{json.dumps(spec['default'])}`", (key, default_cell)
    for choice in spec.get("enum", []):
        assert f"`{choice}`" in row or f'"{choice}"' in row, (key, choice, row)
    restricted = key in PACKAGE["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"]
    assert ("needs trust" in row) == restricted, (key, row)
    scope = spec.get("scope", "window")
    assert ("per folder" in row) == (scope == "resource"), (key, scope, row)


def test_no_setting_is_documented_that_does_not_exist() -> None:
    documented = set(table_rows(section(VSCODE_MD, "Settings")))
    assert documented == set(SETTINGS)


def test_every_server_command_is_documented() -> None:
    """The commands the server offers in ``executeCommandProvider`` (asked in a fresh
    process: the server's module registers them on import)."""
    code = (
        "import json\n"
        "from graftlab_lsp.server import server\n"
        "print(json.dumps(sorted(server.protocol.fm.commands)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    commands = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "graftlab.lastRunError" in commands
    features = section(LSP_MD, "Features")
    for name in commands:
        assert f"`{name}`" in features, f"server command {name} is not in docs/lsp.md"


def test_every_server_option_is_documented() -> None:
    """``graft lsp``'s options (from its --help) against docs/lsp.md's options table."""
    proc = subprocess.run(
        [sys.executable, "-P", "-m", "graftlab_lsp", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", proc.stdout)) - {"--help"}
    assert "--trusted" in options
    documented = {name.split()[0] for name in table_rows(section(LSP_MD, "Settings"))}
    documented = {d for d in documented if d.startswith("--")}
    assert options == documented

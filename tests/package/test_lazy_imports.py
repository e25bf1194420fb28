"""Start-up cost: ``import graftlab`` loads its names on first use, and ``graft COMMAND``
imports only that command's module (rich only when something is drawn)."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

import graftlab as gl
from graftlab.cli import main as _main_pkg  # noqa: F401 - the module, below

MAIN = sys.modules["graftlab.cli.main"]


def _modules_after(code: str, cwd: Path | None = None) -> set[str]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "\nimport json, sys; print('MODS' + json.dumps(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    ).stdout
    return set(json.loads(out.split("MODS", 1)[1]))


def test_import_graftlab_imports_none_of_its_parts() -> None:
    mods = _modules_after("import graftlab")
    for heavy in (
        "git",
        "rich",
        "graftlab.repo",
        "graftlab.hyper",
        "graftlab.io.loader",
        "graftlab.patching",
        "jax",
    ):
        assert heavy not in mods, heavy


def test_every_public_name_is_the_object_of_its_module() -> None:
    for name in gl.__all__:
        target = gl._LAZY[name]
        module, _, attr = target.partition(":")
        assert getattr(gl, name) is getattr(importlib.import_module(module), attr or name), name
    assert gl.format is gl.format_value and gl.hash is gl.sym_hash
    try:
        gl.no_such_name  # noqa: B018
    except AttributeError as e:
        assert "no_such_name" in str(e)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_the_command_table_names_the_module_of_every_command() -> None:
    registered: dict[str, str] = {}
    for name in MAIN._COMMANDS:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        importlib.import_module(name).add_parser(sub)
        registered.update(dict.fromkeys(sub.choices, name))
    assert registered == MAIN._MODULE_OF


def test_graft_ls_imports_only_what_listing_needs(tmp_path: Path) -> None:
    (tmp_path / "graft.toml").write_text("[graft]\n")
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "a.py").write_text(
        "from graftlab import Derived\n\nexperiment = Derived(base='b')\n"
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    code = "import sys\nsys.argv = ['graft', 'ls']\nfrom graftlab.cli.main import main\nmain()"
    mods = _modules_after(code, cwd=tmp_path)
    for heavy in (
        "rich",
        "graftlab.cli.review_cmds",
        "graftlab.cli.tune_cmds",
        "graftlab.hyper",
        "graftlab.repo.runner",
        "graftlab.io.loader",
        "jax",
    ):
        assert heavy not in mods, heavy
    assert "graftlab.cli.repo_cmds" in mods

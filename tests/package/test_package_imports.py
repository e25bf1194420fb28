"""Importing graftlab, its CLI or the language server never imports JAX (it takes seconds)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    ["graftlab", "graftlab.cli.main", "graftlab_lsp.server", "graftlab.repo", "graftlab.patching"],
)
def test_no_jax_on_import(module: str) -> None:
    code = f"import sys, {module}; print('jax' in sys.modules, 'flax' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False", "False"]


def test_public_api_is_flat() -> None:
    import graftlab as gl

    for name in (
        "symbolize",
        "rebind",
        "query",
        "diff",
        "load",
        "dumps",
        "patch",
        "patcher",
        "Repo",
        "provenance",
    ):
        assert callable(getattr(gl, name)), name
    assert set(gl.__all__) <= set(dir(gl))


def test_graft_help_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "graftlab.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in (
        "init",
        "ls",
        "run",
        "runs",
        "show",
        "diff",
        "review",
        "patches",
        "fmt",
        "annotate",
        "lsp",
        "demo",
    ):
        assert command in out, command

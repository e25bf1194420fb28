"""``graft annotate --roles``: proposals from names, bases and signatures, written as
``roles=`` on ``@symbolize`` or as a graft.toml table, with a report of what was not mapped."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from graftlab.annotate.roles import guess
from graftlab.symbolic import roles as R

FIXTURE = Path(__file__).parent / "fixtures" / "roles_legacy" / "legacy_models.py"
SRC = Path(__file__).resolve().parents[2] / "src"


def graft(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-m", "graftlab.cli", "annotate", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    shutil.copy(FIXTURE, tmp_path / "legacy_models.py")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "bases", "args", "roles", "unmapped"),
    [
        (
            "StdConv",
            ["nn.Module"],
            ["out_channels", "kernel"],
            {"conv": {"features": "out_channels", "kernel_size": "kernel"}},
            ["conv.strides"],
        ),
        (
            "MyLayer",
            ["torch.nn.Conv2d"],
            ["in_channels", "out_channels", "kernel_size", "stride"],
            {"conv": {"features": "out_channels", "strides": "stride"}},
            [],
        ),
        ("Head", ["keras.layers.Dense"], ["units"], {"dense": {"features": "units"}}, []),
        (
            "Net",
            ["nn.Module"],
            ["blocks", "n_classes"],
            {"classifier_head": {"num_classes": "n_classes"}},
            [],
        ),
        (
            "SelfAttention",
            ["nn.Module"],
            ["heads", "dim_head"],
            {"attention": {"num_heads": "heads", "head_dim": "dim_head"}},
            [],
        ),
        ("Helper", ["object"], ["x"], {}, []),
    ],
)
def test_guess(name, bases, args, roles, unmapped):
    assert guess(name, bases, args) == (roles, unmapped)


def test_insertions_keep_every_other_byte_and_are_idempotent(legacy: Path, monkeypatch) -> None:
    before = (legacy / "legacy_models.py").read_text()
    r = graft(legacy, "--roles", "--check", "legacy_models.py")
    assert r.returncode == 1
    r = graft(legacy, "--roles", "legacy_models.py")
    assert r.returncode == 0, r.stderr
    after = (legacy / "legacy_models.py").read_text()
    assert (
        '@symbolize(roles={"conv": {"features": "out_channels", "kernel_size": "kernel"}})' in after
    )
    assert '@symbolize(roles={"classifier_head": {}})' in after
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 3 and all(a == "@symbolize" for a, _ in changed)
    assert graft(legacy, "--roles", "--check", "legacy_models.py").returncode == 0
    # The annotated code imports, and the roles work.
    monkeypatch.syspath_prepend(str(legacy))
    mod = importlib.import_module("legacy_models")
    try:
        v = R.view(mod.StdConv(out_channels=8), "conv")
        assert v["features"] == 8 and v.arg_name("kernel_size") == "kernel"
        assert (
            R.view(mod.Classifier(blocks=[], num_classes=3), "classifier_head")["num_classes"] == 3
        )
    finally:
        sys.modules.pop("legacy_models", None)
        for name in ("StdConv", "GroupNorm2", "Classifier"):
            R.forget_roles(f"legacy_models.{name}")


def test_report_says_what_it_could_not_map(legacy: Path) -> None:
    r = graft(legacy, "--roles", "--diff", "legacy_models.py")
    err = r.stderr
    assert "legacy_models.StdConv: conv.strides (no argument of that meaning)" in err
    assert "legacy_models.TorchConv: conv.features" in err
    assert "not symbolized" in err and "legacy_models.TorchConv" in err
    assert "no role guessed for 1 class(es)" in err and "Pool" in err
    assert r.stdout.startswith("--- a/legacy_models.py")


def test_config_file_declares_without_touching_code(legacy: Path, monkeypatch) -> None:
    before = (legacy / "legacy_models.py").read_text()
    r = graft(legacy, "--roles", "--roles-config", "roles.toml", "legacy_models.py")
    assert r.returncode == 0, r.stderr
    assert (legacy / "legacy_models.py").read_text() == before
    table = tomllib.loads((legacy / "roles.toml").read_text())
    classes = table["roles"]["classes"]
    assert classes["legacy_models.StdConv"] == {
        "conv": {"features": "out_channels", "kernel_size": "kernel"}
    }
    monkeypatch.syspath_prepend(str(legacy))
    mod = importlib.import_module("legacy_models")
    try:
        with pytest.raises(R.RoleError, match="does not play role 'conv'"):
            R.view(mod.StdConv(out_channels=5), "conv")
        assert R.declare_from_config(table["roles"], file="roles.toml") == 4
        assert R.view(mod.StdConv(out_channels=5), "conv")["features"] == 5
    finally:
        sys.modules.pop("legacy_models", None)
        for name in classes:
            R.forget_roles(name)

"""Installed rule packages are read from package metadata once and again only when the import
path changes: each recorded run asks for them, and a scan reads every installed package."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graftlab.patching import registry


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))


def install(site: Path, version: str) -> None:
    for old in site.glob("demo_rules-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    dist = site / f"demo_rules-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: demo-rules\nVersion: {version}\n")
    (dist / "entry_points.txt").write_text("[graftlab.patches]\ndemo = demo_rules\n")


def age(site: Path) -> None:
    """Make the directory look settled (changed long ago), as site-packages normally is."""
    past = time.time() - 3600
    os.utime(site, (past, past))


def test_an_installed_upgraded_or_removed_package_is_seen(site: Path) -> None:
    age(site)
    assert "demo-rules" not in registry.rule_packages()
    install(site, "0.1")
    assert registry.rule_packages()["demo-rules"] == {
        "version": "0.1",
        "module": "demo_rules",
        "namespace": "demo",
    }
    age(site)
    assert registry.rule_packages()["demo-rules"]["version"] == "0.1"  # cached and settled
    install(site, "0.2")
    assert registry.rule_packages()["demo-rules"]["version"] == "0.2"
    age(site)
    registry.rule_packages()
    for old in site.glob("demo_rules-*.dist-info"):
        for f in old.iterdir():
            f.unlink()
        old.rmdir()
    assert "demo-rules" not in registry.rule_packages()


def test_callers_cannot_change_the_cached_answer(site: Path) -> None:
    install(site, "0.3")
    age(site)
    first = registry.rule_packages()
    first["demo-rules"]["version"] = "9"
    first.pop("demo-rules")
    assert registry.rule_packages()["demo-rules"]["version"] == "0.3"

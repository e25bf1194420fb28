"""The packages that re-export their names lazily (``graftlab._lazy.lazy_exports``): each name
is the object of its module, loads only when used, and an unknown name says which package."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from graftlab._lazy import lazy_exports

PACKAGES = ["graftlab", "graftlab.io", "graftlab.repo", "graftlab.annotate"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_lazy_name_is_the_object_of_its_module(package: str) -> None:
    pkg = importlib.import_module(package)
    assert set(pkg._LAZY) <= set(pkg.__all__)
    for name, target in pkg._LAZY.items():
        module, _, attr = target.partition(":")
        assert getattr(pkg, name) is getattr(importlib.import_module(module), attr or name)
        assert name in vars(pkg)  # stored: later uses do not come back to __getattr__
    assert set(pkg._LAZY) <= set(dir(pkg))
    with pytest.raises(AttributeError, match=rf"module '{package}' has no attribute 'nope'"):
        pkg.nope  # noqa: B018


@pytest.mark.parametrize(
    ("package", "unloaded"),
    [
        ("graftlab.io", "graftlab.io.loader"),
        ("graftlab.repo", "graftlab.repo.runner"),
        ("graftlab.annotate", "libcst"),
    ],
)
def test_importing_a_package_loads_none_of_its_lazy_names(package: str, unloaded: str) -> None:
    code = f"import {package}, json, sys; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert unloaded not in json.loads(out.stdout)


def test_lazy_exports_reads_module_and_renamed_targets() -> None:
    namespace: dict[str, object] = {}
    getattr_, dir_ = lazy_exports("pkg", {"dumps": "json", "parse": "json:loads"}, namespace)
    assert getattr_("dumps") is json.dumps
    assert getattr_("parse") is json.loads
    assert namespace == {"dumps": json.dumps, "parse": json.loads}
    assert dir_() == ["dumps", "parse"]
    with pytest.raises(AttributeError, match="module 'pkg' has no attribute 'other'"):
        getattr_("other")

"""Scale: a generated workspace of 1,000 symbolic classes, and real packages' sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from graftlab.index import Index

FILES, PER_FILE = 50, 20


def _generate(root: Path) -> None:
    pkg = root / "gen"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for f in range(FILES):
        lines = [
            "from typing import Annotated, Literal, Optional",
            "import graftlab as gl",
            "from gen.m0 import C0_0" if f else "",
            "",
        ]
        for c in range(PER_FILE):
            base = "C0_0" if f and c % 2 else ""
            deco = "" if base else "@gl.symbolize\n"
            lines += [
                f"{deco}class C{f}_{c}({base}):",
                f'    """Class {c} of file {f}.\n\n    Args:\n      a: the a.\n    """',
                "",
                f"    def __init__(self, a: int = {c}, b: Optional[str] = None,",
                "                 c: Literal['x', 'y'] = 'x',",
                "                 d: Annotated[float, gl.Range(0, 1)] = 0.5, **kw) -> None:",
                "        pass",
                "",
            ]
        (pkg / f"m{f}.py").write_text("\n".join(lines))


def test_a_thousand_classes(tmp_path: Path) -> None:
    _generate(tmp_path / "ws")
    ix = Index.for_workspace(tmp_path / "ws", cache_dir=tmp_path / "cache")
    gen = [c for c in ix.symbolic_classes() if c.module.startswith("gen.")]
    assert len(gen) == FILES * PER_FILE
    assert len({c.module for c in gen}) == FILES
    info = ix.classes["gen.m7.C7_3"]
    assert info.bases == ["gen.m0.C0_0"]
    assert [a.type for a in info.args] == [
        "int",
        "str | None",
        "Literal['x', 'y']",
        "float, >= 0 and <= 1",
    ]
    assert len(ix.subclasses("gen.m0.C0_0")) == (FILES - 1) * PER_FILE // 2
    assert ix.errors == {}


@pytest.mark.parametrize("package", ["fiddle", "graftlab"])
def test_real_package_sources(package: str, tmp_path: Path) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed")
    root = Path(next(iter(spec.submodule_search_locations))).parent
    ix = Index.for_workspace(root / package, cache_dir=tmp_path / "cache")
    assert ix.stats["parsed"] > 20
    assert all(isinstance(e, str) for e in ix.errors.values())  # reported, not raised
    assert ix.problems == []
    if package == "graftlab":
        assert "graftlab.patching.derived.Derived" in ix.classes

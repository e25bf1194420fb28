"""What an experiment file says about itself from its syntax alone (for ``graft ls``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graftlab.repo.static import StaticInfo, static_info


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'from graftlab import Derived\n\nexperiment = Derived(base="b", patches=["x?1", "y"])\n',
            StaticInfo("b", ("x?1", "y")),
        ),
        ('import graftlab\n\nexperiment = graftlab.Derived("b", ["x"])\n', StaticInfo("b", ("x",))),
        ('from graftlab import Derived\n\nexperiment = Derived(base="b")\n', StaticInfo("b", ())),
        ("from toy import Layer\n\nexperiment = Layer(width=3)\n", StaticInfo(None, ())),
        ("experiment = 3\n", StaticInfo(None, ())),
        # a dynamic base is not a name we can show
        ("base = 'b'\nexperiment = Derived(base=base)\n", StaticInfo(None, ())),
    ],
)
def test_static_info(tmp_path: Path, text: str, expected: StaticInfo) -> None:
    path = tmp_path / "e.py"
    path.write_text(text)
    assert static_info(path) == expected


def test_static_info_never_imports_anything(tmp_path: Path) -> None:
    path = tmp_path / "e.py"
    path.write_text(
        "from module_that_does_not_exist import Derived\n\nexperiment = Derived(base='b')\n"
    )
    assert static_info(path).base == "b"


def test_static_info_reports_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("experiment = Derived(base=\n")
    info = static_info(bad)
    assert info.base is None and info.error and "bad.py:1" in info.error
    none = tmp_path / "none.py"
    none.write_text("x = 1\n")
    assert static_info(none).error == "no `experiment` is assigned"
    assert static_info(tmp_path / "missing.py").error

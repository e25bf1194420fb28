"""A repository's files cannot widen the loader: configuration from the root only, bases
inside the experiments folder only (issue #16, item 2)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

import graftlab as gl

DEMO = "from graftlab.cli.demo_components import Conv\n\nexperiment = Conv(features=3)\n"


def _repo(tmp_path: Path) -> tuple[Path, str, Path]:
    """A repository whose pull request adds experiments/sub/graft.toml allowing ``pwn``."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)  # the top of the work tree
    (root / "graft.toml").write_text("[graft]\nallowed_modules = []\n")
    sub = root / "experiments" / "sub"
    sub.mkdir(parents=True)
    pwn = f"pwn_{uuid.uuid4().hex[:8]}"
    marker = tmp_path / "pwned.marker"
    (sub / "graft.toml").write_text(f'[graft]\nallowed_modules = ["{pwn}"]\n')
    (sub / f"{pwn}.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (sub / "x.py").write_text(f"import {pwn}\n\nexperiment = 1\n")
    (root / "experiments" / "top.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="sub/x")\n'
    )
    return root, pwn, marker


def test_a_nested_graft_toml_does_not_widen_the_allow_list(tmp_path: Path) -> None:
    root, pwn, marker = _repo(tmp_path)
    with pytest.raises(gl.FormatError) as info:
        gl.load(root / "experiments" / "top.py")
    assert f"import of {pwn!r} is not allowed" in str(info.value)
    with pytest.raises(gl.ImportNotAllowedError):
        gl.load(root / "experiments" / "sub" / "x.py")
    assert not marker.exists()
    assert pwn not in sys.modules
    assert str(root / "experiments" / "sub") not in sys.path
    assert gl.find_config(root / "experiments" / "sub") == (root / "graft.toml").resolve()


@pytest.mark.parametrize(
    "base",
    ["../outside", "sub/../../outside", "/etc/passwd", "C:\\\\x", "..\\\\outside", ""],
)
def test_bases_resolve_inside_the_experiments_folder(tmp_path: Path, base: str) -> None:
    root = tmp_path / "repo"
    (root / "experiments").mkdir(parents=True)
    (root / "graft.toml").write_text("[graft]\n")
    (root / "outside.py").write_text(DEMO)  # a loadable file right outside the folder
    text = f'from graftlab import Derived\n\nexperiment = Derived(base="{base}")\n'
    path = root / "experiments" / "d.py"
    path.write_text(text)
    with pytest.raises(gl.FormatError) as info:
        gl.load(path)
    err = info.value
    assert "is not a name inside the experiments folder" in err.message
    assert (err.line, err.column) == (3, text.splitlines()[2].index('"'))  # at the base argument
    assert str(err.path) == "experiment.base"


def test_a_symbolic_link_out_of_the_folder_is_rejected(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "experiments").mkdir(parents=True)
    (root / "graft.toml").write_text("[graft]\n")
    (tmp_path / "elsewhere.py").write_text(DEMO)
    (root / "experiments" / "link.py").symlink_to(tmp_path / "elsewhere.py")
    path = root / "experiments" / "d.py"
    path.write_text('from graftlab import Derived\n\nexperiment = Derived(base="link")\n')
    with pytest.raises(gl.FormatError, match="outside the experiments folder"):
        gl.load(path)


def test_bases_in_subfolders_still_load(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "experiments" / "vision").mkdir(parents=True)
    (root / "graft.toml").write_text("[graft]\n")
    (root / "experiments" / "vision" / "net.py").write_text(DEMO)
    path = root / "experiments" / "d.py"
    path.write_text('from graftlab import Derived\n\nexperiment = Derived(base="vision/net")\n')
    assert gl.load(path).sym_init_args.features == 3

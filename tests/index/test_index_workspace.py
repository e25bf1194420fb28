"""The workspace index: scope, queries, experiments, incremental updates, no imports."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from graftlab.index import Index

Write = Callable[[str, str], Path]

CONFIG = """
[graft]
allowed_modules = ["team"]
patch_modules = ["team_rules"]
"""

LAYERS = '''
from __future__ import annotations

import enum
from typing import Literal

import graftlab as gl


class Act(enum.Enum):
    RELU = "relu"
    GELU = "gelu"


@gl.symbolize
class Layer:
    """A layer.

    Args:
      width: how wide.
    """

    def __init__(self, width: int = 8, act: Act = Act.RELU, kind: Literal["a", "b"] = "a",
                 bias: bool = True) -> None:
        self.width = width


class Conv(Layer):
    pass


class SepConv(Conv):
    def __init__(self, width: int = 8, depth: int = 2) -> None:
        super().__init__(width)


@gl.symbolize
def make_conv(width: int) -> Conv:
    return Conv(width)


@gl.symbolize
class Net:
    def __init__(self, layers: list[Layer], head: Conv | None = None) -> None:
        pass
'''

RULES = '''
import graftlab as gl


@gl.patcher("team/widen")
def widen(net, factor: float = 2.0):
    """Widen every layer.

    Args:
      factor: by how much.
    """
    return {}
'''


@pytest.fixture
def ws(write: Write, tmp_path: Path) -> Path:
    write("graft.toml", CONFIG)
    write("team/__init__.py", "from team.layers import Conv, Net\nfrom team import layers\n")
    write("team/layers.py", LAYERS)
    write("team_rules.py", RULES)
    write(
        "experiments/base.py",
        "from team.layers import Net, Conv\n\nexperiment = Net(layers=[Conv(width=4)])\n",
    )
    write(
        "experiments/wide.py",
        'from graftlab import Derived\n\nexperiment = Derived(base="base", '
        'patches=["team/widen?factor=3"])\n',
    )
    return tmp_path / "ws"


_CACHE: list[Path] = []


def _index(root: Path, tmp_path: Path) -> Index:
    # One cache for the tests of this process: graftlab's own files are scanned once.
    if not _CACHE:
        _CACHE.append(tmp_path / "cache")
    return Index.for_workspace(root, cache_dir=_CACHE[0])


def test_classes_rules_and_experiments(ws: Path, tmp_path: Path) -> None:
    ix = _index(ws, tmp_path)
    layer = ix.classes["team.layers.Layer"]
    assert [a.name for a in layer.args] == ["width", "act", "kind", "bias"]
    width, act, kind, bias = layer.args
    assert (width.type, width.default, width.required, width.help) == (
        "int",
        "8",
        False,
        "how wide.",
    )
    assert act.choices == ["Act.RELU", "Act.GELU"] and act.type == "Act"
    assert kind.choices == ['"a"', '"b"']
    assert bias.choices == ["True", "False"]
    # The inherited __init__ (help comes from the class's own docstring only, as at runtime).
    assert [(a.name, a.type) for a in ix.classes["team.layers.Conv"].args] == [
        (a.name, a.type) for a in layer.args
    ]
    assert ix.classes["team.layers.Act"].kind == "enum"
    assert ix.classes["team.layers.make_conv"].kind == "function"
    assert ix.classes["team.layers.make_conv"].returns == "team.layers.Conv"
    net = ix.classes["team.layers.Net"]
    assert net.args[0].classes == [
        "team.layers.Conv",
        "team.layers.Layer",
        "team.layers.SepConv",
        "team.layers.make_conv",
    ]
    assert net.args[1].classes == [
        "team.layers.Conv",
        "team.layers.SepConv",
        "team.layers.make_conv",
    ]
    assert net.args[1].type == "Conv | None"
    rule = ix.rules["team/widen"]
    assert rule.function == "team_rules.widen"
    assert [(a.name, a.type, a.help) for a in rule.args] == [("factor", "float", "by how much.")]
    assert ix.experiments["base"].base is None
    assert ix.experiments["wide"].base == "base"
    assert ix.experiments["wide"].patches == ["team/widen?factor=3"]
    assert ix.classes["graftlab.patching.derived.Derived"].kind == "class"
    assert ix.errors == {}


def test_queries(ws: Path, tmp_path: Path) -> None:
    ix = _index(ws, tmp_path)
    assert "team" in ix.allowed_modules and "graftlab" in ix.allowed_modules
    names = ix.module_names()
    assert {"team", "team.layers", "graftlab", "graftlab.patching.derived"} <= set(names)
    assert "team_rules" not in names
    exports = ix.exports("team")
    assert exports["Conv"] == "team.layers.Conv"
    assert exports["layers"] == "module:team.layers"
    assert ix.resolve("team", "Net") is ix.classes["team.layers.Net"]
    assert ix.resolve("graftlab", "Derived") is ix.classes["graftlab.patching.derived.Derived"]
    assert ix.resolve("team", "Missing") is None
    assert ix.lookup("team.Conv") is ix.classes["team.layers.Conv"]
    assert [c.qualname for c in ix.subclasses("team.layers.Layer")] == [
        "team.layers.Conv",
        "team.layers.SepConv",
    ]
    sym = {c.qualname for c in ix.symbolic_classes()}
    assert {"team.layers.Layer", "team.layers.make_conv"} <= sym
    assert "team.layers.Act" not in sym
    loc = ix.classes["team.layers.Layer"].location
    assert loc.file.endswith("layers.py") and loc.line == 15


def test_the_index_never_imports_user_code(write: Write, tmp_path: Path) -> None:
    marker = tmp_path / "imported.marker"
    write(
        "sneaky.py",
        f"""
        import pathlib
        pathlib.Path({str(marker)!r}).write_text("ran")
        import graftlab as gl

        @gl.symbolize
        class Sneaky:
            def __init__(self, x: int) -> None:
                pass
        """,
    )
    write("graft.toml", '[graft]\nallowed_modules = ["sneaky"]\n')
    before = set(sys.modules)
    ix = _index(tmp_path / "ws", tmp_path)
    assert "sneaky.Sneaky" in ix.classes
    assert not marker.exists()
    assert "sneaky" not in sys.modules
    assert not {m for m in set(sys.modules) - before if m.startswith("sneaky")}


def test_incremental_update(ws: Path, tmp_path: Path, write: Write) -> None:
    ix = _index(ws, tmp_path)
    before = {q: i for q, i in ix.classes.items()}
    # Change one file: only its infos change.
    rules = ws / "team_rules.py"
    rules.write_text(RULES.replace("factor: float = 2.0", "factor: float = 3.0"))
    os.utime(rules, ns=(1, 1))
    assert ix.update([rules]) == {"team_rules.widen"}
    assert ix.rules["team/widen"].args[0].default == "3.0"
    assert ix.classes == before
    # A new file is found.
    extra = write(
        "team/extra.py",
        "import graftlab as gl\n\n@gl.symbolize\nclass Extra:\n    def __init__(self, k: int) -> None:\n        pass\n",
    )
    assert ix.update([extra]) == {"team.extra.Extra"}
    assert "team.extra" in ix.module_names()
    # A subclass elsewhere changes what other arguments accept.
    sub = write("team/sub.py", "from team.layers import Conv\n\nclass Big(Conv):\n    pass\n")
    changed = ix.update([sub])
    assert "team.sub.Big" in changed and "team.layers.Net" in changed
    # A deleted file's classes are gone.
    extra.unlink()
    assert ix.update([extra]) == {"team.extra.Extra"}
    assert "team.extra.Extra" not in ix.classes
    # Unchanged content: nothing changes.
    assert ix.update([ws / "team" / "layers.py"]) == set()


def test_update_from_unsaved_source(ws: Path, tmp_path: Path) -> None:
    ix = _index(ws, tmp_path)
    layers = ws / "team" / "layers.py"
    text = layers.read_text().replace("depth: int = 2", "depth: int = 2, ratio: float = 0.5")
    changed = ix.update([], sources={layers: text})
    assert changed == {"team.layers.SepConv"}
    assert [a.name for a in ix.classes["team.layers.SepConv"].args] == ["width", "depth", "ratio"]


def test_experiments_update(ws: Path, tmp_path: Path, write: Write) -> None:
    ix = _index(ws, tmp_path)
    new = write(
        "experiments/vision/small.py",
        'from graftlab import Derived\n\nexperiment = Derived(base="wide")\n',
    )
    assert ix.update([new]) == {"experiment:vision/small"}
    assert ix.experiments["vision/small"].base == "wide"
    (ws / "experiments" / "base.py").unlink()
    assert ix.update([ws / "experiments" / "base.py"]) == {"experiment:base"}
    assert "base" not in ix.experiments


def test_config_change_rebuilds(ws: Path, tmp_path: Path, write: Write) -> None:
    ix = _index(ws, tmp_path)
    assert "team" in ix.allowed_modules
    config = write("graft.toml", '[graft]\nallowed_modules = ["other"]\n')
    ix.update([config])
    assert "team" not in ix.allowed_modules
    assert "team.layers" not in ix.module_names()


def test_unparsable_files_are_reported(write: Write, tmp_path: Path) -> None:
    write(
        "good.py",
        "import graftlab as gl\n\n@gl.symbolize\nclass Good:\n    def __init__(self, a: int) -> None:\n        pass\n",
    )
    bad = write("bad.py", "class Broken(:\n")
    ix = _index(tmp_path / "ws", tmp_path)
    assert "good.Good" in ix.classes
    assert str(bad) in ix.errors


def test_pass_through_to_a_base_outside_the_scope(write: Write, tmp_path: Path) -> None:
    """A base class in an installed package is scanned on demand (never imported)."""
    write(
        "user.py",
        """
        import graftlab as gl
        from graftlab.patching.derived import Derived

        @gl.symbolize
        class MyDerived(Derived):
            def __init__(self, note: str = "", **kwargs) -> None:
                super().__init__(**kwargs)
        """,
    )
    ix = _index(tmp_path / "ws", tmp_path)
    info = ix.classes["user.MyDerived"]
    assert [(a.name, a.kind) for a in info.args] == [
        ("note", "positional_or_keyword"),
        ("base", "keyword_only"),
        ("patches", "keyword_only"),
    ]


def test_graftlab_tooling_is_left_out_and_its_components_kept(ws: Path, tmp_path: Path) -> None:
    """graftlab's tooling packages (the index, annotate, repo, tuning, the command line) offer
    an experiment nothing: they are not scanned; its components (ml, hyper) are."""
    ix = _index(ws, tmp_path)
    names = set(ix.module_names())
    tooling = (
        "graftlab.cli",
        "graftlab.index",
        "graftlab.annotate",
        "graftlab.repo",
        "graftlab.tuning",
    )
    assert not [m for m in names if m.startswith(tooling)]
    assert not [p for p in ix._files if "graftlab/index" in p.as_posix()]
    assert "graftlab.cli.demo_components.Conv" not in ix.classes
    assert {"graftlab.ml", "graftlab.hyper"} <= names
    assert ix.classes["graftlab.ml.layers.Dense"].kind == "class"
    assert "graftlab.hyper.primitives.oneof" in ix.classes
    assert "repo" not in ix.exports("graftlab") and "ml" in ix.exports("graftlab")

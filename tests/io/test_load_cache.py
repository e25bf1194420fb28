"""``load_cache()``: inside the scope a text is parsed once and a base materialized once;
an edited file is loaded afresh, and outside the scope nothing is cached."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import graftlab as gl
from graftlab.io import load_cache as lc
from graftlab.patching.derived import load_experiment


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    mod = f"cache_parts_{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(sys, "path", [*sys.path])
    (tmp_path / "graft.toml").write_text(
        f'[graft]\nallowed_modules = ["{mod}"]\npatch_modules = ["{mod}"]\n'
    )
    (tmp_path / f"{mod}.py").write_text(
        "import graftlab as gl\n\n\n"
        "@gl.symbolize\nclass Net:\n"
        "    def __init__(self, width: int = 1, depth: int = 1) -> None:\n"
        "        self.width = width\n        self.depth = depth\n\n\n"
        f'@gl.patcher("{mod}/deeper")\n'
        "def deeper(net, by: int = 1):\n"
        '    return {"depth": net.depth + by}\n'
    )
    exp = tmp_path / "experiments"
    exp.mkdir()
    (exp / "base.py").write_text(f"from {mod} import Net\n\nexperiment = Net(width=4)\n")
    for i in range(3):
        (exp / f"d{i}.py").write_text(
            "from graftlab import Derived\n\n"
            f'experiment = Derived(base="base", patches=["{mod}/deeper?by={i + 1}"])\n'
        )
    yield tmp_path
    gl.unregister_rule(f"{mod}/deeper")
    sys.modules.pop(mod, None)


def test_each_text_parsed_once_and_each_base_built_once(root: Path) -> None:
    exp = root / "experiments"
    with lc.load_cache() as cache:
        values = [load_experiment(exp / f"d{i}.py") for i in range(3)]
        again = load_experiment(exp / "d0.py")
        base = load_experiment(exp / "base.py")
    assert [v.depth for v in values] == [2, 3, 4]
    assert again is values[0]  # served from the cache
    assert cache.parses == 4  # d0, d1, d2 and base: each once
    assert cache.builds == 4  # base (as their base, then reused directly) and d0..d2
    assert base.depth == 1  # patching the derived experiments copied the shared base
    assert gl.provenance(values[1], "depth").uri.endswith("deeper?by=2")


def test_an_edited_file_is_never_served_stale(root: Path) -> None:
    exp = root / "experiments"
    with lc.load_cache():
        assert load_experiment(exp / "d0.py").width == 4
        base = exp / "base.py"
        base.write_text(base.read_text().replace("width=4", "width=5"))
        assert load_experiment(exp / "d0.py").width == 5  # its base changed: built afresh
        assert load_experiment(exp / "base.py").width == 5


def test_nothing_is_cached_outside_the_scope(root: Path) -> None:
    exp = root / "experiments"
    assert lc.active() is None
    with lc.load_cache() as cache:
        assert lc.active() is cache
    assert lc.active() is None
    first = load_experiment(exp / "d0.py")
    assert load_experiment(exp / "d0.py") is not first


def test_errors_are_reported_afresh_not_cached(root: Path) -> None:
    exp = root / "experiments"
    bad = exp / "bad.py"
    bad.write_text('from graftlab import Derived\n\nexperiment = Derived(base="nope")\n')
    with lc.load_cache() as cache:
        for _ in range(2):
            with pytest.raises(gl.FormatError, match="no experiment named 'nope'"):
                load_experiment(bad)
        bad.write_text('from graftlab import Derived\n\nexperiment = Derived(base="base")\n')
        assert load_experiment(bad).width == 4
    assert not any("nope" in str(k[1]) for k in cache.values)

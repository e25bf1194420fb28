"""``graft patches`` and ``graft show NAME --materialized`` end to end: the real commands in a
subprocess, on a repository in a temp dir (team rules in patch_modules, a plug-in through the
``graftlab.patches`` entry-point group)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TEAMLIB = '''
"""The team's components and rules."""

from typing import Annotated, Any

import graftlab as gl


@gl.symbolize
class Conv:
    def __init__(self, features: int, kernel_size: int = 3) -> None:
        self.features = features
        self.kernel_size = kernel_size


@gl.symbolize
class Model:
    def __init__(self, layers: list[Conv], learning_rate: float = 0.001) -> None:
        self.layers = layers
        self.learning_rate = learning_rate


@gl.patcher("team/scale_width")
def scale_width(net: Any, factor: float = 2.0, minimum: int = 8) -> Any:
    """Scale the width of every conv.

    Args:
      factor: the width multiplier.
      minimum: the smallest width.
    """
    return {
        f"{p}.features": max(minimum, int(c.features * factor))
        for p, c in gl.query(net, Conv).items()
    }


@gl.patcher("team/change_lr")
def change_lr(net: Any, lr: Annotated[float, gl.Range(0.0, 1.0)]) -> Any:
    """Set the learning rate."""
    return {"learning_rate": lr}
'''

BASELINE = """\
from teamlib import Conv, Model

experiment = Model(layers=[Conv(features=16), Conv(features=32, kernel_size=5)])
"""

WIDE = '''\
"""Wider and faster."""

from graftlab import Derived

experiment = Derived(
    base="baseline",
    patches=[
        "team/change_lr?0.01",
        "team/scale_width?factor=3",
    ],
)
'''

WIDE_MATERIALIZED = '''\
"""Wider and faster."""

from teamlib import Conv, Model

experiment = Model(
    layers=[Conv(features=48), Conv(features=96, kernel_size=5)],
    learning_rate=0.01,
)
'''

PLUGIN = '''
import graftlab as gl


@gl.patcher("plugin_e2e/halve_lr")
def halve_lr(net, times: int = 1):
    """Halve the learning rate (published by an installed package)."""
    return {"learning_rate": net.learning_rate / 2**times}
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "experiments").mkdir(parents=True)
    (root / "graft.toml").write_text(
        '[graft]\nallowed_modules = ["teamlib"]\npatch_modules = ["teamlib"]\n'
    )
    (root / "teamlib.py").write_text(TEAMLIB)
    (root / "experiments" / "baseline.py").write_text(BASELINE)
    (root / "experiments" / "wide.py").write_text(WIDE)
    return root


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A directory holding an 'installed' plug-in distribution and a broken one."""
    d = tmp_path / "site"
    d.mkdir()
    (d / "plugin_e2e_rules.py").write_text(PLUGIN)
    (d / "broken_e2e_rules.py").write_text("raise ImportError('broken on purpose')\n")
    for dist, ep in (("plugin_e2e", "plugin_e2e_rules"), ("broken_e2e", "broken_e2e_rules")):
        info = d / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[graftlab.patches]\n{dist} = {ep}\n")
    return d


def graft(
    repo: Path, *args: str, pythonpath: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("PYTHONPATH", None)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "graftlab.cli", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_patches_json_lists_rules_with_arguments(repo: Path) -> None:
    r = graft(repo, "patches", "--json")
    assert r.returncode == 0, r.stderr
    found = {x["name"]: x for x in json.loads(r.stdout)}
    sw = found["team/scale_width"]
    assert sw["function"] == "teamlib.scale_width"
    assert sw["help"].startswith("Scale the width of every conv.")
    assert sw["optional"] is False
    assert sw["arguments"] == [
        {
            "name": "factor",
            "type": "float",
            "required": False,
            "default": "2.0",
            "help": "the width multiplier.",
        },
        {
            "name": "minimum",
            "type": "int",
            "required": False,
            "default": "8",
            "help": "the smallest width.",
        },
    ]
    (lr,) = found["team/change_lr"]["arguments"]
    assert lr["name"] == "lr" and lr["required"] is True and "default" not in lr
    assert "float" in lr["type"] and "1.0" in lr["type"]  # the range is shown
    assert list(found) == sorted(found)


def test_patches_filter_and_text_table(repo: Path) -> None:
    r = graft(repo, "patches", "team/")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "2 patch rule(s)" in out
    assert "team/scale_width" in out and "team/change_lr" in out
    assert "factor: float = 2.0" in out
    assert "minimum: int = 8" in out
    assert "(required)" in out
    assert "Scale the width of every conv." in out and "Set the learning rate." in out
    r = graft(repo, "patches", "team/scale", "--json")
    assert [x["name"] for x in json.loads(r.stdout)] == ["team/scale_width"]
    # graftlab's standard rules (published through its own entry point) are listed too
    r = graft(repo, "patches", "scale", "--json")
    names = [x["name"] for x in json.loads(r.stdout)]
    assert "team/scale_width" in names and "scale_width" in names


def test_patches_discovers_installed_plugins_and_reports_broken_ones(
    repo: Path, site: Path
) -> None:
    r = graft(repo, "patches", "--json", pythonpath=site)
    assert r.returncode == 0, r.stderr
    found = {x["name"]: x for x in json.loads(r.stdout)}
    assert "plugin_e2e/halve_lr" in found
    assert found["plugin_e2e/halve_lr"]["function"] == "plugin_e2e_rules.halve_lr"
    assert "team/scale_width" in found  # the repository's own rules too
    r = graft(repo, "patches", "plugin_e2e", pythonpath=site)
    assert r.returncode == 0
    assert "plugin_e2e/halve_lr" in r.stdout and "times: int = 1" in r.stdout
    assert "plug-in failed to load" in r.stderr
    assert "broken_e2e (broken_e2e_rules)" in r.stderr and "broken on purpose" in r.stderr


def test_show_materialized_prints_canonical_text_and_provenance(repo: Path) -> None:
    r = graft(repo, "show", "wide", "--materialized")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(WIDE_MATERIALIZED)
    tail = r.stdout[len(WIDE_MATERIALIZED) :].splitlines()
    assert tail[0] == "# 3 value(s) written by the patch chain:"
    assert sorted(line.strip() for line in tail[1:]) == [
        "#   layers[0].features: team/scale_width?factor=3 (chain[1])",
        "#   layers[1].features: team/scale_width?factor=3 (chain[1])",
        "#   learning_rate: team/change_lr?0.01 (chain[0])",
    ]


def test_show_without_materialized_prints_the_derivation(repo: Path) -> None:
    r = graft(repo, "show", "wide")
    assert r.returncode == 0, r.stderr
    assert "Derived(" in r.stdout and 'base="baseline"' in r.stdout
    assert "team/scale_width?factor=3" in r.stdout
    assert "written by the patch chain" not in r.stdout
    by_path = graft(repo, "show", "experiments/wide.py", "--materialized")
    assert by_path.returncode == 0 and by_path.stdout.startswith(WIDE_MATERIALIZED)


def test_show_materialized_json_has_provenance(repo: Path) -> None:
    r = graft(repo, "show", "wide", "--materialized", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["experiment"]["learning_rate"] == 0.01
    assert [c["features"] for c in data["experiment"]["layers"]] == [48, 96]
    prov = data["provenance"]
    assert set(prov) == {"learning_rate", "layers[0].features", "layers[1].features"}
    assert prov["learning_rate"]["rule"] == "team/change_lr"
    assert prov["learning_rate"]["uri"] == "team/change_lr?0.01"
    assert prov["learning_rate"]["position"] == 0
    assert prov["layers[0].features"]["position"] == 1


def test_show_a_plugin_rule_in_a_three_level_chain(repo: Path, site: Path) -> None:
    (repo / "experiments" / "wider_slower.py").write_text(
        textwrap.dedent(
            """\
            from graftlab import Derived

            experiment = Derived(base="wide", patches=["plugin_e2e/halve_lr?times=2"])
            """
        )
    )
    (repo / "experiments" / "top.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="wider_slower", '
        'patches=["team/scale_width?factor=0.5&minimum=1"])\n'
    )
    r = graft(repo, "show", "top", "--materialized", pythonpath=site)
    assert r.returncode == 0, r.stderr
    assert "learning_rate=0.0025" in r.stdout
    assert "Conv(features=24)" in r.stdout and "Conv(features=48, kernel_size=5)" in r.stdout
    assert "learning_rate: plugin_e2e/halve_lr?times=2 (chain[0])" in r.stdout


@pytest.mark.parametrize(
    ("uri", "column_of", "message"),
    [
        (
            "team/scale_width?factor=big",
            "big",
            "argument 'factor' of rule 'team/scale_width': expected a number",
        ),
        ("team/change_lr?lr=2", "2", "out of range"),
        ("team/scale_wdth?factor=2", "team/scale_wdth", "did you mean 'team/scale_width'"),
    ],
)
def test_show_reports_chain_errors_at_the_uri(
    repo: Path, uri: str, column_of: str, message: str
) -> None:
    line = f'experiment = Derived(base="baseline", patches=["team/change_lr?0.5", "{uri}"])'
    (repo / "experiments" / "bad.py").write_text(f"from graftlab import Derived\n\n{line}\n")
    r = graft(repo, "show", "bad", "--materialized")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    column = line.index(f'"{uri}"') + 1 + uri.rindex(column_of) + 1  # 1-based, as editors show
    assert f"bad.py:3:{column}:" in r.stderr
    assert message in r.stderr
    assert graft(repo, "show", "bad").returncode == 0  # as written, it is fine


def test_show_reports_an_unknown_base_and_a_cycle(repo: Path) -> None:
    (repo / "experiments" / "typo.py").write_text(
        'from graftlab import Derived\n\nexperiment = Derived(base="baselin", patches=["team/change_lr?0.5"])\n'
    )
    r = graft(repo, "show", "typo", "--materialized")
    assert r.returncode == 1
    assert "no experiment named 'baselin'" in r.stderr and "did you mean 'baseline'" in r.stderr
    for a, b in (("ping", "pong"), ("pong", "ping")):
        (repo / "experiments" / f"{a}.py").write_text(
            f'from graftlab import Derived\n\nexperiment = Derived(base="{b}", patches=["team/change_lr?0.5"])\n'
        )
    r = graft(repo, "show", "ping", "--materialized")
    assert r.returncode == 1
    assert "derived experiments form a cycle: ping -> pong -> ping" in r.stderr

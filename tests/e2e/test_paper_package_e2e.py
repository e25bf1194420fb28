"""examples/paper_rules -- the paper's figures as a rule package made with ``graft rules new``
-- really pip-installs, passes its own tests and is listed by ``graft patches --package``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "examples" / "paper_rules"


def run(cwd: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT / "src")])
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package pip-installed (once for the module) into a folder of its own."""
    site = tmp_path_factory.mktemp("site")
    r = run(
        site, site, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(PACKAGE)
    )
    assert r.returncode == 0, r.stderr
    return site


def test_paper_package_installs_and_its_tests_pass(tmp_path: Path, site: Path) -> None:
    r = run(PACKAGE, site, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "7 passed" in r.stdout
    r = run(tmp_path, site, "-m", "graftlab.cli", "patches", "--package", "paper-rules", "--json")
    assert r.returncode == 0, r.stderr
    found = {x["name"]: x for x in json.loads(r.stdout)}
    assert set(found) == {
        "paper/swap_conv",
        "paper/change_dataset",
        "paper/scale_width",
        "paper/scale_depth",
        "paper/lamda_like",
    }
    assert found["paper/scale_width"]["roles"] == ["conv", "dense", "classifier_head"]
    assert all(x["package"] == "paper-rules" for x in found.values())


SCALING = """
import json
from pathlib import Path

import graftlab as gl
from graftlab import ml
from paper_rules import scaling_space

base = ml.Experiment(model=ml.mlp(hidden=(8, 8), num_classes=3), dataset=ml.Iris())
Path("experiments").mkdir()
Path("experiments/baseline.py").write_text(gl.dumps(base))
Path("experiments/scaled.py").write_text(gl.dumps(scaling_space("baseline")))
space = gl.load("experiments/scaled.py", materialize=False)
out = {"decisions": [d.name for d in gl.Space(space)], "models": []}
for chosen in ({"width": 2.0, "depth": 1}, {"width": 0.5, "depth": 2}):
    model = gl.materialize(space, chosen)
    widths = [v["features"] for v in gl.query(model, role="dense").values()]
    out["models"].append([widths, len(gl.query(model, role="block"))])
print(json.dumps(out))
"""


def test_automl_scaling_space_from_the_installed_package(tmp_path: Path, site: Path) -> None:
    """The space is written to a file, loaded back and materialized at two decision sets."""
    r = run(tmp_path, site, "-c", SCALING)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["decisions"] == ["width", "depth"]
    assert out["models"] == [[[16, 16, 16, 16, 3], 4], [[4, 4, 4, 4, 4, 4, 3], 6]]

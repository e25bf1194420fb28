"""``graft rules new NAME``: lay down a rule package another team can ``pip install``.

A rule package is an ordinary Python package whose rules are published through the
``graftlab.patches`` entry point; the entry point's name is the namespace of its rules
(``team_b/widen_convs``). The scaffold has a rule written against a role (so it applies to
any codebase that declares ``conv``), its documentation, and a test that applies it to a
fixture experiment.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from graftlab.patching.errors import RuleRegistryError

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "graftlab rules of {name}: ideas as code, applied by URI ({name}/...)."
requires-python = ">=3.11"
dependencies = ["graftlab"]

[project.optional-dependencies]
test = ["pytest"]

# The entry point's name is the namespace of the package's rules.
[project.entry-points."graftlab.patches"]
{name} = "{module}.rules"

[tool.setuptools.packages.find]
where = ["src"]
"""

INIT = '''\
"""Rules of {name}, published to graftlab through the ``graftlab.patches`` entry point."""

from {module}.rules import widen_convs

__all__ = ["widen_convs"]
'''

RULES = '''\
"""The rules of {name}. Each is written against roles (``conv``), never against another
team's classes, so it applies to every codebase whose classes declare the role."""

from __future__ import annotations

from typing import Annotated, Any

import graftlab as gl


@gl.patcher("{name}/widen_convs", roles=("conv",))
def widen_convs(target: Any, factor: Annotated[float, gl.Range(0.0, None)] = 2.0) -> Any:
    """Multiply the output channels of every convolution by ``factor``.

    Args:
      factor: the width multiplier.
    """
    return dict(
        view.edit("features", max(1, round(view["features"] * factor)))
        for view in gl.query(target, role="conv").values()
        if "features" in view
    )
'''

TEST = '''\
"""{name}/widen_convs applied to a fixture experiment (graftlab's own CNN)."""

import graftlab as gl
from graftlab import ml


def fixture_experiment():
    return ml.Experiment(
        model=ml.cnn(widths=(8, 16), num_classes=10),
        dataset=ml.Digits(),
        optimizer=ml.Adam(learning_rate=1e-3),
        trainer=ml.Trainer(steps=10, batch_size=32),
    )


def test_widen_convs_doubles_every_convolution():
    before = fixture_experiment()
    after = gl.patch(before, ["{name}/widen_convs?factor=2"])
    widths = [v["features"] for v in gl.query(after, role="conv").values()]
    assert widths == [16, 32]
    assert after.model.head.features == 10  # the classifier head is not a conv
    assert gl.provenance(after, "model.layers[0].conv.features").rule == "{name}/widen_convs"


def test_published_through_the_entry_point():
    from graftlab.patching.registry import rules_of_package

    assert "{name}/widen_convs" in rules_of_package("{dist}")
'''

README = """\
# {dist}

graftlab rules of `{name}`. Install with `pip install .`; then

    graft patches --package {dist}

lists them, and an experiment uses one by URI:

    experiment = Derived(base="baseline", patches=["{name}/widen_convs?factor=2"])

Run the tests with `pytest tests`.
"""


def scaffold(name: str, directory: Path) -> list[Path]:
    """Create the package for namespace ``name`` in ``directory``; returns the files written."""
    if not _IDENT.match(name) or keyword.iskeyword(name):
        raise RuleRegistryError(
            f"rule package name {name!r}: use lower-case letters, digits and '_' "
            "(it becomes the rules' namespace, as in 'team_b/widen_convs')"
        )
    if directory.exists() and any(directory.iterdir()):
        raise RuleRegistryError(f"{directory} exists and is not empty; choose another --dir")
    module = f"{name}_rules"
    dist = module.replace("_", "-")
    values = {"name": name, "module": module, "dist": dist}
    files = {
        "pyproject.toml": PYPROJECT,
        f"src/{module}/__init__.py": INIT,
        f"src/{module}/rules.py": RULES,
        "tests/test_rules.py": TEST,
        "README.md": README,
    }
    written = []
    for rel, template in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
        written.append(path)
    return written

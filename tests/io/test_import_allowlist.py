"""Importing is executing: every module of graftlab and graftlab_lsp against the loader.

Exactly graftlab's component modules (``GRAFTLAB_MODULES``) may be imported by an experiment
file; every other module name, ``__main__`` ones first of all, is rejected before anything
is imported, and a rejected import adds nothing to ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import graftlab_lsp
import pytest

import graftlab
import graftlab as gl
from graftlab.io.allowlist import GRAFTLAB_MODULES, import_refusal


def _every_module_name() -> list[str]:
    names = {"graftlab", "graftlab_lsp"}
    for pkg in (graftlab, graftlab_lsp):
        # walk_packages imports packages (to list them) but never a leaf such as __main__
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            names.add(info.name)
    return sorted(names)


# Runs in a fresh interpreter so that sys.modules shows what each attempt imported.
_PROBE = textwrap.dedent(
    """
    import enum, json, sys
    import graftlab as gl
    from graftlab.io.loader import is_symbolic_callable
    from graftlab.patching.rule import Rule

    names = json.loads(sys.argv[1])
    out = {}
    for name in names:
        parent, _, leaf = name.rpartition(".")
        texts = [f"import {name}\\nx = 1\\n", f"import {name} as m\\nx = 1\\n"]
        if parent:
            texts.append(f"from {parent} import {leaf}\\nx = 1\\n")
        results = []
        for text in texts:
            before = set(sys.modules)
            try:
                gl.loads_file(text)
                ok = True
            except gl.FormatError:
                ok = False
            except BaseException as e:  # SystemExit of a command-line module included
                print("ESCAPED", name, repr(e))
                raise
            new = sorted(set(sys.modules) - before)
            results.append({"ok": ok, "new": new})
        mod = sys.modules.get(name)
        defines = mod is not None and any(
            is_symbolic_callable(v)
            or (isinstance(v, type) and issubclass(v, enum.Enum))
            or isinstance(v, Rule)
            for v in (getattr(mod, n, None) for n in dir(mod))  # lazy exports included
        )
        out[name] = {"results": results, "defines": defines}
    print("RESULT" + json.dumps(out))
    """
)


def test_exactly_the_component_modules_may_be_imported(tmp_path: Path) -> None:
    names = _every_module_name()
    assert "graftlab.cli.__main__" in names and "graftlab.annotate.__main__" in names
    assert "graftlab_lsp.server" in names
    # a file the annotate command would rewrite if its __main__ ran here
    victim = tmp_path / "victim.py"
    victim.write_text("class A:\n    def __init__(self, x: int = 1):\n        self.x = x\n")
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(names)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    assert "ESCAPED" not in proc.stdout
    out = json.loads(proc.stdout.split("RESULT", 1)[1])
    accepted = {n for n, r in out.items() if any(x["ok"] for x in r["results"])}
    assert accepted == GRAFTLAB_MODULES & set(names)
    assert set(names) >= GRAFTLAB_MODULES, "the allow-list names a module that does not exist"
    for name, r in out.items():
        oks = [x["ok"] for x in r["results"]]
        if name in GRAFTLAB_MODULES:
            assert all(oks), name  # every spelling of an allowed import works
            assert r["defines"], f"{name} defines no symbolic class, function, enum or rule"
        else:
            assert not any(oks), name
            for x in r["results"]:
                assert x["new"] == [], f"rejecting {name} imported {x['new']}"
    # the command-line modules never ran
    assert victim.read_text().startswith("class A:\n")
    assert "symbolize" not in victim.read_text()


@pytest.mark.parametrize(
    "text",
    [
        "import graftlab.annotate.__main__\nx = 1\n",
        "import graftlab.cli.__main__\nx = 1\n",
        "from graftlab.cli import __main__\nx = 1\n",
        "from graftlab.cli import main\nx = 1\n",
        "from graftlab import cli\nx = 1\n",
        "import graftlab\nx = graftlab.cli.main.main\n",
        "import graftlab.annotate.cli\nx = 1\n",
        "import graftlab_lsp.server\nx = 1\n",
    ],
)
def test_command_line_modules_are_rejected(text: str) -> None:
    import graftlab.cli  # noqa: F401 - present in sys.modules, so reachable as an attribute

    with pytest.raises(gl.FormatError) as info:
        gl.loads_file(text, allowed_modules=["graftlab", "graftlab.cli"])
    assert "not allowed" in str(info.value) or "dunder" in str(info.value)


def test_graft_toml_cannot_widen_graftlab() -> None:
    # entries naming graftlab's own packages are ignored
    assert import_refusal("graftlab.cli.main", ["graftlab", "graftlab.cli"]) is not None
    assert import_refusal("pkg.__main__", ["pkg"]) is not None
    assert import_refusal("pkg.sub", ["pkg"]) is None
    assert import_refusal("graftlab.ml.layers", []) is None


def test_allowed_spellings_still_load() -> None:
    text = (
        "import graftlab\nfrom graftlab.cli import demo_components\n"
        "from graftlab.cli.demo_components import Conv\n"
        "a = Conv(1)\nb = demo_components.Conv(2)\nexperiment = graftlab.Derived(base='x')\n"
    )
    loaded = gl.loads_file(text, materialize=False)
    assert loaded["a"].sym_init_args.features == 1 and loaded["b"].sym_init_args.features == 2
    assert loaded.experiment.base == "x"

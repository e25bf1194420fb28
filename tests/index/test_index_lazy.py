"""The language server's start-up stays light: importing the index package's light modules
(what the server imports to answer ``initialize``) does not load the scanner, and no index,
cold or warm, loads libcst (the scanner reads files with ``ast``)."""

from __future__ import annotations

import subprocess
import sys


def test_light_index_modules_do_not_load_libcst() -> None:
    code = (
        "import sys\n"
        "import graftlab.index, graftlab.index.roles, graftlab.index.model, graftlab.index.trust\n"
        "import graftlab_lsp.server\n"
        "print(sorted(m for m in ('libcst', 'graftlab.index.scanner', 'graftlab.index.workspace')"
        " if m in sys.modules))\n"
        "from graftlab.index import Index, scan_source\n"  # the re-exports still work, on use
        "print(Index.__module__, scan_source.__module__, 'libcst' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    assert out == ["[]", "graftlab.index.workspace graftlab.index.scanner False"]


def test_cold_and_warm_indexes_are_built_without_libcst(tmp_path) -> None:
    ws = tmp_path / "ws"
    (ws / "team").mkdir(parents=True)
    (ws / "graft.toml").write_text('[graft]\nallowed_modules = ["team"]\n')
    (ws / "team" / "__init__.py").write_text("")
    (ws / "team" / "layers.py").write_text(
        "import graftlab as gl\n\n\n@gl.symbolize\nclass Dense:\n"
        "    def __init__(self, width: 'int' = 1) -> None:\n        self.width = width\n"
    )
    code = (
        "import sys\nfrom pathlib import Path\nfrom graftlab.index import Index\n"
        "ix = Index.for_workspace(Path(sys.argv[1]), cache_dir=Path(sys.argv[2]))\n"
        "print(ix.classes['team.layers.Dense'].args[0].type, ix.stats['parsed'] > 0,"
        " 'libcst' in sys.modules)\n"
    )
    run = [sys.executable, "-c", code, str(ws), str(tmp_path / "cache")]
    cold = subprocess.run(run, capture_output=True, text=True, check=True, timeout=300)
    assert cold.stdout.split() == ["int", "True", "False"], cold.stderr
    warm = subprocess.run(run, capture_output=True, text=True, check=True, timeout=300)
    assert warm.stdout.split() == ["int", "False", "False"], warm.stderr

"""Starting the server loads no index machinery: libcst (the index's parser) is imported by
the thread that builds the index, never before ``initialize`` can answer."""

from __future__ import annotations

import subprocess
import sys


def test_the_server_module_does_not_import_libcst() -> None:
    code = "import sys, graftlab_lsp.server; print('libcst' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["False"]

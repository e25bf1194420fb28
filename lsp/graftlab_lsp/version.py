"""The installed graftlab's version, read from its distribution's metadata without
``importlib.metadata``: that module loads the ``email`` package, a tenth of the server's
start-up before it can answer ``initialize``."""

from __future__ import annotations

import functools
import os
import re
import sys

_DIST_INFO = re.compile(r"graftlab-(\d[^-]*)\.dist-info")


@functools.cache
def server_version() -> str:
    """What ``serverInfo`` and ``--version`` report: the ``Version`` of the first graftlab
    distribution on ``sys.path`` (as ``importlib.metadata.version`` finds it)."""
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in sorted(names):
            if not _DIST_INFO.fullmatch(name):
                continue
            try:
                with open(os.path.join(entry or ".", name, "METADATA"), encoding="utf-8") as f:
                    for line in f:
                        if not line.strip():
                            break  # the headers end
                        if line.startswith("Version:"):
                            return line.partition(":")[2].strip()
            except OSError:
                continue
    try:  # an egg or another layout: the standard lookup
        from importlib.metadata import version

        return version("graftlab")
    except Exception:
        import graftlab

        return str(getattr(graftlab, "__version__", "unknown"))

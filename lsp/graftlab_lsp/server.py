"""The language server: pygls over stdio. ``graft lsp`` (and ``python -m graftlab_lsp``) start
it; ``--stdio`` is accepted as VS Code passes it.

Thin: the state lives in ``core`` (roots, progress, polling) and ``checking`` (diagnostics),
each feature's protocol wiring in ``handlers``, the features themselves in ``features``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from graftlab_lsp.app import server
from graftlab_lsp.core import GraftServer, server_version
from graftlab_lsp.handlers import (  # noqa: F401  (importing a handler module registers it)
    code_actions,
    commands,
    completion,
    definition,
    formatting,
    hover,
    inlay,
    lens,
    lifecycle,
    navigation,
    references,
    signature,
    symbols,
)
from graftlab_lsp.handlers.completion import COMPLETION_LIMIT

__all__ = ["COMPLETION_LIMIT", "GraftServer", "main", "server", "server_version"]


def main(argv: list[str] | None = None) -> int:
    """Start the server on stdio (``--stdio`` is accepted and implied).

    Unknown arguments are an error (exit status 2): an editor configured with a typo must
    not get a server that silently ignores it.
    """
    parser = argparse.ArgumentParser(prog="graftlab_lsp", description="graftlab language server")
    parser.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    parser.add_argument("--log", metavar="FILE", help="write the server's log to FILE")
    parser.add_argument(
        "--trusted", action="store_true", help="trust every workspace (run the loader)"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.version:
        print(f"graftlab-lsp {server_version()}")
        return 0
    if args.log:
        logging.basicConfig(filename=args.log, level=logging.INFO)
    server.trust_all = args.trusted
    server.start_io()
    return 0

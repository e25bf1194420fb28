"""``graft lsp``: start the language server on stdio."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "lsp",
        help="start the graftlab language server (stdio)",
        description="Start the language server on standard input/output, as editors do.\n\n"
        "Example (what VS Code runs):\n  graft lsp --stdio",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--stdio", action="store_true", help="use stdio (the default; accepted for VS Code)"
    )
    p.add_argument("--log", metavar="FILE", help="write the server's log to FILE")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from graftlab_lsp.server import main

    return main(["--log", args.log] if args.log else [])

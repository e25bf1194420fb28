"""``graft lsp``: start the language server on stdio; ``graft trust``: allow a repository."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from graftlab.symbolic.errors import GraftError


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "lsp",
        help="start the graftlab language server (stdio)",
        description="Start the language server on standard input/output, as editors do.\n\n"
        "It starts restricted (no code of the workspace is imported or run) unless the\n"
        "client says the workspace is trusted, --trusted is given, or the repository was\n"
        "allowed with `graft trust`.\n\n"
        "Example (what VS Code runs):\n  graft lsp --stdio",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--stdio", action="store_true", help="use stdio (the default; accepted for VS Code)"
    )
    p.add_argument("--log", metavar="FILE", help="write the server's log to FILE")
    p.add_argument(
        "--trusted",
        action="store_true",
        help="trust every workspace: run the loader (which imports the workspace's modules)",
    )
    p.add_argument("--version", action="store_true", help="print the server's version and exit")
    p.set_defaults(func=run)

    t = sub.add_parser(
        "trust",
        help="allow the language server to run a repository's code",
        description="Record the repository root and a hash of its graft.toml in the user's\n"
        "configuration ($XDG_CONFIG_HOME/graftlab/trusted.json). The language server then\n"
        "runs the loader (which imports the repository's modules) for it. A changed\n"
        "graft.toml needs a new `graft trust`.\n\n"
        "Examples:\n  graft trust\n  graft trust --revoke ../other-repo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    t.add_argument("path", nargs="?", default=".", help="the repository (default: here)")
    t.add_argument("--revoke", action="store_true", help="forget the repository instead")
    t.set_defaults(func=run_trust)


def run(args: argparse.Namespace) -> int:
    from graftlab_lsp.server import main

    argv = ["--log", args.log] if args.log else []
    if args.trusted:
        argv.append("--trusted")
    if args.version:
        argv.append("--version")
    return main(argv)


def _repo_root(start: Path) -> Path:
    from graftlab.io.config import CONFIG_NAME

    start = start.resolve()
    for d in (start, *start.parents):
        if (d / CONFIG_NAME).is_file():
            return d
    raise GraftError(f"{start}: no {CONFIG_NAME} here or above: not a graftlab repository")


def run_trust(args: argparse.Namespace) -> int:
    from graftlab.index import trust

    root = _repo_root(Path(args.path))
    if args.revoke:
        if trust.revoke(root):
            print(f"revoked: {root}")
        else:
            print(f"{root} was not trusted")
        return 0
    digest = trust.trust(root)
    print(f"trusted: {root} (graft.toml {digest[:12]}), recorded in {trust.store_file()}")
    return 0

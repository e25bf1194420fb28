"""Entry point of ``graft``: sub-commands, and how a user's mistake is reported.

A ``GraftError`` (a user's mistake: bad file, unknown name) prints one clear line and exits
1; ``--debug`` shows the traceback. Each sub-command lives in its own module and registers
itself through ``add_parser(subparsers)``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from rich.console import Console

from graftlab.symbolic.errors import GraftError

_COMMANDS = (
    "graftlab.cli.demo",
    "graftlab.cli.show",
    "graftlab.cli.patches",
    "graftlab.cli.repo_cmds",
    "graftlab.cli.review_cmds",
    "graftlab.cli.fmt",
    "graftlab.cli.lsp",
    "graftlab.annotate.cli",
    "graftlab.cli.tune_cmds",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="graft",
        description="graftlab: exchange ML ideas as code.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    for name in _COMMANDS:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None) or getattr(args, "handler", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except GraftError as e:
        if args.debug:
            traceback.print_exc()
        console = Console(stderr=True, highlight=False)
        console.print("[bold red]error:[/] ", end="")
        console.print(str(e), markup=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

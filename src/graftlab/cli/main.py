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
    "graftlab.cli.rules_cmds",
    "graftlab.cli.tune_cmds",
)

# Which module registers each sub-command, so that ``graft ls`` imports only the module of
# ``ls`` (``graft --help`` and unknown commands import them all). tests/package checks that
# this table matches what the modules register.
_MODULE_OF = {
    "demo": "graftlab.cli.demo",
    "show": "graftlab.cli.show",
    "patches": "graftlab.cli.patches",
    **dict.fromkeys(
        ("init", "plot", "ls", "lineage", "run", "runs", "compare", "gc", "push", "pull"),
        "graftlab.cli.repo_cmds",
    ),
    **dict.fromkeys(("diff", "review", "textconv"), "graftlab.cli.review_cmds"),
    "fmt": "graftlab.cli.fmt",
    "lsp": "graftlab.cli.lsp",
    "trust": "graftlab.cli.lsp",
    "annotate": "graftlab.annotate.cli",
    "rules": "graftlab.cli.rules_cmds",
    "tune": "graftlab.cli.tune_cmds",
    "tunes": "graftlab.cli.tune_cmds",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``graft`` parser; given ``argv`` naming a sub-command, only that command's module
    is imported (its sub-parsers are all that can be used)."""
    parser = argparse.ArgumentParser(
        prog="graft",
        description="graftlab: exchange ML ideas as code.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import importlib

    command = next((a for a in (argv or ()) if not a.startswith("-")), None)
    module = _MODULE_OF.get(command or "")
    for name in _COMMANDS if module is None else (module,):
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
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
        from rich.console import Console

        console = Console(stderr=True, highlight=False)
        console.print("[bold red]error:[/] ", end="")
        console.print(str(e), markup=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

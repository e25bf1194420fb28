"""Registering ``graft`` subcommands: the parser plumbing the command modules share."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

#: Descriptions keep their line breaks (their examples are one per line).
RAW = argparse.RawDescriptionHelpFormatter


def command(
    sub: Any,
    name: str,
    func: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str,
) -> argparse.ArgumentParser:
    """Add subcommand ``name`` to ``sub`` (an argparse subparsers action), run by ``func``."""
    p: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=description, formatter_class=RAW
    )
    p.set_defaults(func=func)
    return p

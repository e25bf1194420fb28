"""The ``graft`` command."""

from graftlab.cli.main import main

__all__ = ["main"]

"""Commands: ``graftlab.lastRunError`` and ``graftlab.materialized``."""

from __future__ import annotations

from typing import Any

from graftlab_lsp.app import server
from graftlab_lsp.convert import uri_to_path
from graftlab_lsp.core import GraftServer


@server.command("graftlab.lastRunError")
def last_run_error(ls: GraftServer, *args: Any) -> dict[str, Any] | None:
    """The error of the last failed run of a file (for the client's "reveal" command)."""
    # pygls passes the command's arguments spread out: one parameter each.
    uri = _uri_arg(args)
    if uri is None:
        return None
    return ls.root_for(uri).runs.last_error(uri_to_path(uri))


@server.command("graftlab.materialized")
def materialized(ls: GraftServer, *args: Any) -> str | None:
    """The materialized text of a derived experiment (from the last check)."""
    uri = _uri_arg(args)
    last = ls.docs.get(uri or "")
    result = (last.result if last is not None else None) or {}
    return result.get("derived", {}).get("materialized")  # type: ignore[no-any-return]


def _uri_arg(args: tuple[Any, ...]) -> str | None:
    """The document URI a command names: ``"file:///..."`` or ``{"uri": ...}`` (VS Code passes
    either, sometimes wrapped in a list)."""
    target: Any = args[0] if args else None
    if isinstance(target, list):
        target = target[0] if target else None
    if isinstance(target, dict):
        target = target.get("uri")
    return target if isinstance(target, str) else None

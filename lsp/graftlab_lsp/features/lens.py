"""Code lenses over an experiment: Run it; its last run's outcome (a metric and when, or where
it failed), opening the record; and for a derived experiment, the diff against its base.

Pure: the text, the run summary (``runs.RunErrors.last_run``) and whether the root is trusted
go in, plain lenses come out. Restricted roots get no Run and no diff lens (both import the
workspace's code); the last run's outcome is read from git, so it is shown everywhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from graftlab.io.syntax import CallE, Lit, parse


@dataclass
class Lens:
    """A lens at a 0-based line: its title, the command it runs and its arguments."""

    line: int
    title: str
    command: str
    arguments: list[Any] = field(default_factory=list)


def _experiment(text: str) -> tuple[int, str | None] | None:
    """The line of the ``experiment = ...`` assignment and its base (for ``Derived``)."""
    module, _errors, _src = parse(text)
    for a in module.assigns:
        if a.name != "experiment":
            continue
        base = None
        value = a.value
        if isinstance(value, CallE):
            for k in value.kwargs:
                if k.name == "base" and isinstance(k.value, Lit) and isinstance(k.value.value, str):
                    base = k.value.value
        return a.span.line - 1, base
    return None


def ago(seconds: float) -> str:
    """``"just now"``, ``"5 min ago"``, ``"2 h ago"``, ``"3 d ago"``."""
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def outcome(run: dict[str, Any], now: float | None = None) -> str:
    """One line for a run: ``"✓ 0.989 accuracy, 2 h ago"``, ``"✗ failed at layers[1], ..."``."""
    now = time.time() if now is None else now
    when = ago(max(0.0, now - float(run.get("ended") or run.get("started") or now)))
    status = run.get("status")
    if status == "failed":
        error = run.get("error") or {}
        where = f" at {error['path']}" if error.get("path") else ""
        kind = f": {error['type']}" if error.get("type") else ""
        return f"✗ failed{where}{kind}, {when}"
    if status == "succeeded":
        metrics = run.get("metrics") or {}
        shown = ", ".join(f"{v:.4g} {k}" for k, v in list(metrics.items())[:2])
        return f"✓ {shown or 'succeeded'}, {when}"
    return f"… {status or 'running'} (started {when})"


def code_lenses(
    text: str,
    uri: str,
    last_run: dict[str, Any] | None,
    *,
    trusted: bool,
    now: float | None = None,
) -> list[Lens]:
    """The lenses of an experiment file (none if it assigns no ``experiment``)."""
    found = _experiment(text)
    if found is None:
        return []
    line, base = found
    out: list[Lens] = []
    if trusted:
        out.append(Lens(line, "▶ Run", "graftlab.runExperiment", [uri]))
    if last_run is not None:
        out.append(Lens(line, outcome(last_run, now), "graftlab.showRun", [uri]))
    if base is not None and trusted:
        out.append(Lens(line, f"⇄ Diff with base '{base}'", "graftlab.diffWithBase", [uri]))
    return out

"""Decisions as small text: JSON (``{"lr": 0.01, "model.block": 1}``) or ``name=value;...``.

Recorded with every trial (``run.json``) and replayed by ``graft run NAME --decisions``.
The text form takes ``;``-separated ``name=value`` pairs whose values are JSON
(``model.block=1;lr=0.003;layers=[0,2]``); ``@file.json`` reads a file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graftlab.hyper.errors import DecisionError


def dumps_decisions(decisions: dict[str, Any]) -> str:
    """Compact, stable JSON (keys in the space's order as given)."""
    return json.dumps(decisions, separators=(",", ":"))


def format_decisions(decisions: dict[str, Any]) -> str:
    """The ``name=value;...`` text form."""
    return ";".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in decisions.items())


def parse_decisions(text: str) -> dict[str, Any]:
    """Decisions from JSON, ``name=value;...`` text, or ``@path`` to a file holding either."""
    text = text.strip()
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8").strip()
        except OSError as e:
            raise DecisionError(
                f"cannot read decisions from {text[1:]}: {e.strerror or e}"
            ) from None
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise DecisionError(f"decisions are not valid JSON: {e}") from None
        if not isinstance(data, dict):
            raise DecisionError("decisions JSON must be an object")
        return data
    out: dict[str, Any] = {}
    for item in filter(None, (p.strip() for p in text.split(";"))):
        name, eq, raw = item.partition("=")
        if not eq or not name.strip():
            raise DecisionError(f"decision {item!r}: expected NAME=VALUE (e.g. lr=0.01)")
        try:
            out[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            raise DecisionError(
                f"decision {item!r}: the value must be JSON (a number, an index, a list)"
            ) from None
    return out

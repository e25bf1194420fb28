"""The worker process: runs the real loader on documents, so diagnostics equal the loader's.

The language server never imports user code in its own process. It starts this worker
(``python -m graftlab_lsp.worker ROOT``) and sends it one JSON request per line on stdin;
each answer is one JSON line on stdout. Requests:

- ``{"id", "op": "check", "file", "text"}`` → ``{"id", "errors": [...], "derived": {...}}``:
  every ``FormatError`` (patch chains that fail or change nothing included), and for a derived
  experiment its materialized text and the provenance of each written value;
- ``{"id", "op": "format", "file", "text"}`` → ``{"id", "text"}`` or ``{"id", "errors"}``;
- ``{"id", "op": "diff_base", "file", "text"}`` → ``{"id", "text"}``: a derived experiment's
  semantic diff against its base.
"""

from __future__ import annotations

import enum
import gc
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from graftlab.io import reparse
from graftlab.io.errors import FormatError
from graftlab.io.fmt import format_text
from graftlab.io.loader import loads_file
from graftlab.io.writer import dumps
from graftlab.patching.provenance import provenances
from graftlab.symbolic.errors import GraftError


def _error_json(e: FormatError) -> dict[str, Any]:
    span = e.span
    return {
        "message": e.message,
        "file": e.file,
        "line": span.line if span else 1,
        "column": span.column if span else 0,
        "end_line": span.end_line if span else 1,
        "end_column": span.end_column if span else 1,
        "path": str(e.path) if e.path is not None else None,
        "kind": type(e).__name__,
    }


def _errors(e: FormatError) -> list[dict[str, Any]]:
    return [_error_json(x) for x in getattr(e, "errors", [e])]


# The statements of each file's last checked text, reused by the next check (an edit
# changes one statement; parsing the rest again was half of a check's time).
_REPARSERS = reparse.Reparsers()


def check(file: str, text: str) -> dict[str, Any]:
    """Load the text as the file would be loaded; collect errors and derived-experiment facts."""
    base_dir = Path(file).parent if file else None
    try:
        with reparse.reusing(_REPARSERS):
            loaded = loads_file(text, file=file, base_dir=base_dir)
    except FormatError as e:
        return {"errors": _errors(e)}
    except GraftError as e:
        return {
            "errors": [
                {
                    "message": str(e),
                    "line": 1,
                    "column": 0,
                    "end_line": 1,
                    "end_column": 1,
                    "kind": type(e).__name__,
                }
            ]
        }
    out: dict[str, Any] = {"errors": [], "names": list(loaded.values)}
    value = loaded.values.get("experiment")
    if value is not None:
        written = {str(p): prov.to_json() for p, prov in provenances(value).items()}
        if written:
            try:
                materialized = dumps(value)
            except GraftError as e:
                materialized = f"# cannot be written: {e}"
            out["derived"] = {
                "materialized": materialized,
                "provenance": written,
                "values": {p: _short_value(value, p) for p in written},
            }
    return out


def diff_base(file: str, text: str) -> dict[str, Any]:
    """The semantic diff of a derived experiment against its base: ``{"text"}`` or errors."""
    from graftlab.symbolic.diff import diff
    from graftlab_lsp.anchors import base_name

    base = base_name(text)
    if base is None:
        return {"error": "not a derived experiment (no base=)"}
    base_dir = Path(file).parent if file else Path.cwd()
    base_file = (base_dir / base).with_suffix(".py")
    try:
        derived = loads_file(text, file=file, base_dir=base_dir).values.get("experiment")
        original = loads_file(
            base_file.read_text(encoding="utf-8"), file=str(base_file), base_dir=base_dir
        ).values.get("experiment")
    except FormatError as e:
        return {"errors": _errors(e)}
    except OSError as e:
        return {"error": f"cannot read the base {base!r}: {e}"}
    changes = diff(original, derived)
    header = f"# {Path(file).stem} against its base {base!r}\n"
    return {"text": header + (changes.to_text() if changes else "(no differences)") + "\n"}


def _short_value(root: Any, path: str, limit: int = 40) -> str:
    """The value at ``path`` in a few characters (what an inlay hint shows)."""
    from graftlab.symbolic.nodes import get, state_of

    try:
        value = get(root, path) if path else root
    except Exception:
        return "?"
    if state_of(value) is not None and not isinstance(value, (list, tuple, dict)):
        return f"{type(value).__name__}(...)"
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, (list, tuple)):
        text = repr(value) if len(repr(value)) <= limit else f"[{len(value)} items]"
        return text
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request; the garbage collector waits until the answer is ready.

    Parsing a large file allocates many objects at once, and a full collection in the
    middle of it (over every module the worker has imported) can double a check's latency.
    """
    gc.disable()
    try:
        return _handle(request)
    finally:
        gc.enable()


def _handle(request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    rid = request.get("id")
    try:
        if op == "check":
            return {"id": rid, **check(request.get("file", ""), request.get("text", ""))}
        if op == "format":
            file = request.get("file", "")
            try:
                text = format_text(
                    request.get("text", ""), file=file, base_dir=Path(file).parent if file else None
                )
            except FormatError as e:
                return {"id": rid, "errors": _errors(e)}
            return {"id": rid, "text": text}
        if op == "diff_base":
            return {"id": rid, **diff_base(request.get("file", ""), request.get("text", ""))}
        if op == "ping":
            return {"id": rid, "ok": True}
        return {"id": rid, "error": f"unknown op {op!r}"}
    except Exception as e:  # a bug must not kill the worker: report it
        return {"id": rid, "error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}


FULL_EVERY = 16
_answers = 0


def tidy(modules: int) -> int:
    """After an answer: collect its garbage; when modules were imported (``modules``: how
    many there were at the last freeze; the count now is returned), freeze what is alive so
    later collections skip it. Not the values kept for the next check: symbolic objects
    refer to their parents, and frozen ones that are replaced later would never be
    collected (the worker grew ~30 kB per edit)."""
    if len(sys.modules) == modules:
        global _answers
        _answers += 1
        # the young generations after each answer; all of them (the kept values too, where
        # an edit's replaced ones end) every ``FULL_EVERY`` answers: a full collection costs
        # ~7 ms with a 5,000-line file's values kept
        gc.collect(2 if _answers % FULL_EVERY == 0 else 1)
        return modules
    _REPARSERS.forget_values()
    gc.collect()
    gc.freeze()
    return len(sys.modules)


def main() -> int:
    if len(sys.argv) > 1:
        root = Path(sys.argv[1])
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
    modules = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
        except json.JSONDecodeError:
            continue
        sys.stdout.write(json.dumps(handle(request)) + "\n")
        sys.stdout.flush()
        modules = tidy(modules)
    return 0


if __name__ == "__main__":
    sys.exit(main())

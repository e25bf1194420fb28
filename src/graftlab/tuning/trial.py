"""One trial: materialize the space at the decisions, run it, and collect what the record needs.

``run_trial`` runs where the trial runs (a local worker process or a Ray task) and returns
plain data; it never writes to git. ``TrialContext`` is the run context of a trial: it
forwards intermediate values of the first objective to the early-stopping rule and stops
the run when told to.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graftlab.repo.context import RunContext


class TrialStopped(Exception):
    """Raised inside a trial that the early-stopping rule stopped."""


@dataclass
class TrialContext(RunContext):
    reporter: Callable[[int, float], bool] | None = None
    watch: str | None = None

    def metrics(self, step: int, **values: float) -> None:
        super().metrics(step, **values)
        if self.reporter is not None and self.watch in values:
            if self.reporter(int(step), float(values[self.watch])):  # type: ignore[index]
                raise TrialStopped(f"stopped early at step {step}")


def failed_result(trial: int, kind: str, message: str) -> dict[str, Any]:
    """The ``result`` message of a trial that ended without a result of its own (its worker
    died, its task failed): recorded as failed with ``kind`` and ``message``."""
    return {
        "op": "result",
        "trial": trial,
        "status": "failed",
        "metrics": {},
        "files": {},
        "error": {"type": kind, "message": message[:2000]},
    }


_TEMPLATES: dict[tuple[str, str], tuple[float, Any, Any]] = {}


def _template(root: str, name: str) -> tuple[Any, Any, bytes, str]:
    """The experiment's template, loaded once per file version in this process."""
    from graftlab.hyper import Space
    from graftlab.repo.layout import Repo

    repo = Repo(root)
    path = repo.path_of(name)
    mtime = path.stat().st_mtime
    cached = _TEMPLATES.get((root, name))
    if cached is None or cached[0] != mtime:
        value = repo.load(name)
        cached = (mtime, value, Space(value))
        _TEMPLATES[(root, name)] = cached
    rel = path.resolve().relative_to(repo.root.resolve()).as_posix()
    return cached[1], cached[2], path.read_bytes(), rel


def run_trial(
    root: str,
    name: str,
    decisions: dict[str, Any],
    run_id: str,
    *,
    seed: int | None = None,
    reporter: Callable[[int, float], bool] | None = None,
    watch: str | None = None,
) -> dict[str, Any]:
    """Run one trial; returns status, metrics, error and the record's files (as text)."""
    from graftlab.hyper import materialize
    from graftlab.io.json_format import to_json_str
    from graftlab.io.writer import dumps
    from graftlab.repo.runner import run_value

    workdir = Path(tempfile.mkdtemp(prefix=f"graft-trial-{run_id}-"))
    context = TrialContext(
        run_id=run_id,
        workdir=workdir,
        seed=seed,
        show_progress=False,
        reporter=reporter,
        watch=watch,
    )
    out: dict[str, Any] = {"run_id": run_id, "files": {}, "started": time.time()}
    try:
        template, space, source, rel = _template(root, name)
        out["files"][f"source/{rel}"] = source.decode("utf-8", "replace")
        value = materialize(template, decisions, space=space)
        try:
            out["files"]["experiment.py"] = dumps(value)
            out["files"]["experiment.json"] = to_json_str(value, indent=1) + "\n"
        except Exception as e:
            context.log(f"note: the materialized experiment cannot be written as text: {e}")
        result = run_value(value, context)
        metrics = context.final_metrics()
        if isinstance(result, dict):
            metrics.update({k: float(v) for k, v in result.items() if isinstance(v, (int, float))})
        out.update(status="succeeded", metrics=metrics)
    except TrialStopped as e:
        out.update(status="stopped", metrics=context.final_metrics(), note=str(e))
    except Exception as e:
        out.update(
            status="failed",
            metrics=context.final_metrics(),
            error={
                "type": type(e).__name__,
                "message": getattr(e, "message", None) or str(e),
                "traceback": "".join(traceback.format_exception(e)),
            },
        )
    out["ended"] = time.time()
    for fname in ("metrics.jsonl", "log.txt"):
        p = workdir / fname
        if p.is_file():
            out["files"][fname] = p.read_text(encoding="utf-8", errors="replace")
    shutil.rmtree(workdir, ignore_errors=True)
    out["pid"] = os.getpid()
    return out

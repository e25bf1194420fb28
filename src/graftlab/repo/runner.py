"""Running an experiment and recording the run in git.

Running is pluggable: an experiment object with a ``run(context)`` method runs itself (the
training experiments of ``graftlab.ml`` do), a symbolic call is called, and
``register_runner(type, fn)`` adds runners for other types. ``execute`` writes a complete
"running" record first and the final record last, so a crash or ``kill -9`` at any point
leaves a valid repository and a record that reads as interrupted.
"""

from __future__ import annotations

import inspect
import os
import secrets
import shutil
import socket
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graftlab.io.errors import FormatError
from graftlab.io.json_format import to_json_str
from graftlab.io.loader import LoadedFile, loads_file
from graftlab.io.writer import dumps
from graftlab.patching.provenance import provenance
from graftlab.repo import records
from graftlab.repo.context import RunContext
from graftlab.repo.environment import capture
from graftlab.symbolic.errors import GraftError, SymbolicError
from graftlab.symbolic.functions import Call
from graftlab.symbolic.keypath import KeyPath
from graftlab.symbolic.rebind import rebind

if TYPE_CHECKING:
    from graftlab.repo.layout import Repo

Runner = Callable[[Any, RunContext], Any]
_RUNNERS: list[tuple[type, Runner]] = []


def register_runner(kind: type, runner: Runner) -> None:
    """Run experiments of type ``kind`` with ``runner(experiment, context) -> metrics``."""
    _RUNNERS.append((kind, runner))


def run_value(value: Any, context: RunContext) -> Any:
    """Run an experiment object with the runner that fits it."""
    for kind, runner in reversed(_RUNNERS):
        if isinstance(value, kind):
            return runner(value, context)
    run = getattr(value, "run", None)
    if callable(run):
        params = inspect.signature(run).parameters
        return run(context) if params else run()
    if isinstance(value, Call):
        return value()
    raise GraftError(
        f"an experiment of type {type(value).__qualname__} cannot be run: give it a run(context) "
        "method or register a runner (graftlab.repo.runner.register_runner)"
    )


def new_run_id() -> str:
    """Sortable and unique: ``20261123-052100-3fa9c1d2``.

    The first three hex digits are the fraction of the second (so runs started in the same
    second still sort by start time), the last five are random (so concurrent runs differ).
    """
    now = time.time()
    fraction = min(int((now % 1) * 4096), 4095)
    return (
        time.strftime("%Y%m%d-%H%M%S", time.gmtime(now))
        + f"-{fraction:03x}"
        + secrets.token_hex(3)[:5]
    )


def parse_overrides(loaded: LoadedFile, overrides: list[str]) -> dict[str, Any]:
    """``path=value`` pairs; values are written like in experiment files (using its imports)."""
    out: dict[str, Any] = {}
    header = "\n".join(_import_lines(loaded))
    check_overrides(overrides)
    for item in overrides:
        path, _eq, text = item.partition("=")
        try:
            value = loads_file(
                f"{header}\nvalue = {text}\n",
                file=f"<override {item}>",
                base_dir=Path(loaded.file).parent,
            ).get("value")
        except FormatError as e:
            raise GraftError(f"override {item!r}: {getattr(e, 'message', e)}") from None
        out[path.strip()] = value
    return out


def check_overrides(overrides: list[str]) -> None:
    """Reject an override that is not ``KEY.PATH=VALUE`` (before any run is recorded)."""
    for item in overrides:
        path, eq, _text = item.partition("=")
        if not eq or not path.strip():
            raise GraftError(
                f"override {item!r}: expected KEY.PATH=VALUE, e.g. optimizer.learning_rate=0.01"
            )


def _import_lines(loaded: LoadedFile) -> list[str]:
    from graftlab.io.syntax import FromS, ImportS

    lines = []
    for imp in loaded.module.imports:
        if isinstance(imp, ImportS):
            lines.append(f"import {imp.module}" + (f" as {imp.alias}" if imp.alias else ""))
        elif isinstance(imp, FromS):
            names = ", ".join(n + (f" as {a}" if a else "") for n, a, _ in imp.names)
            lines.append(f"from {imp.module} import {names}")
    return lines


def locate(
    repo: Repo, name: str, loaded: LoadedFile | None, value: Any, path: KeyPath
) -> dict[str, Any]:
    """Where in the experiment files the object at ``path`` was written.

    A value a patch wrote points at that patch's URI; otherwise the experiment's own file,
    or (for a derived experiment) the nearest base file that wrote it.
    """
    if value is not None:
        try:
            prov = provenance(value, path)
        except Exception:
            prov = None
        if prov is not None and prov.source:
            file, span = prov.source
            return {
                "file": _rel(repo, file),
                "line": span.line,
                "column": span.column + 1,
                "end_line": span.end_line,
                "end_column": span.end_column + 1,
                "uri": prov.uri,
            }
    current = name
    seen = set()
    while current and current not in seen:
        seen.add(current)
        try:
            lf = (
                loaded
                if current == name and loaded is not None
                else repo.load_file(current, materialize=False)
            )
        except (GraftError, OSError):
            break
        smap = lf.source_map.sub(KeyPath(("experiment",)))
        info = repo.static(current)
        if info.base is None or (path and path in smap.entries):
            loc = smap.locate(path)
            if loc is not None:
                key = smap.key_span_of(path)
                span = key or loc.value
                return {
                    "file": _rel(repo, lf.file),
                    "line": span.line,
                    "column": span.column + 1,
                    "end_line": loc.value.end_line,
                    "end_column": loc.value.end_column + 1,
                }
            break
        current = info.base
        loaded = None
    return {}


def _rel(repo: Repo, file: str) -> str:
    try:
        return Path(file).resolve().relative_to(repo.root).as_posix()
    except ValueError:
        return file


def describe_error(
    repo: Repo, name: str, loaded: LoadedFile | None, value: Any, e: BaseException
) -> dict[str, Any]:
    """The error of a failed run: type, message, traceback, key path and file position."""
    info: dict[str, Any] = {
        "type": type(e).__name__,
        "message": getattr(e, "message", None) or str(e),
        "traceback": "".join(traceback.format_exception(e)),
    }
    if isinstance(e, FormatError):
        info.update({"file": _rel(repo, e.file), "line": e.line, "column": e.column + 1})
        return info
    kp = getattr(e, "path", None) if isinstance(e, SymbolicError) else None
    if kp is not None:
        kp = KeyPath.parse(kp)
        info["path"] = str(kp)
        info.update(locate(repo, name, loaded, value, kp))
    return info


def pick(value: Any, decisions: dict[str, Any] | None) -> Any:
    """The experiment that ``decisions`` pick from a search space (a plain one as it is)."""
    from graftlab.hyper import Space, is_template, materialize

    if decisions is None:
        if is_template(value):
            space = Space(value)
            raise GraftError(
                f"this experiment is a search space of {len(space)} decision(s) "
                f"({', '.join(d.name for d in space)}): run it with --decisions or tune it "
                "with graft tune"
            )
        return value
    if not is_template(value):
        raise GraftError("--decisions given, but this experiment has no choices to decide")
    return materialize(value, decisions)


def execute(
    repo: Repo,
    name: str,
    overrides: list[str],
    *,
    seed: int | None = None,
    resume: str | None = None,
    show_progress: bool = True,
    log_stream: Any = None,
    decisions: dict[str, Any] | None = None,
) -> records.RunRecord:
    """Run experiment ``name`` and record it under ``refs/graft/runs/<id>``; returns the record."""
    path = repo.path_of(name)
    name = repo.name_of(path)
    check_overrides(overrides)
    rel = _rel(repo, str(path))
    g = repo.git
    try:
        head = g.head.commit.hexsha
    except ValueError:
        head = None
    dirty = g.is_dirty(untracked_files=True)
    files: dict[str, bytes] = {f"source/{rel}": path.read_bytes()}
    if dirty:
        diff = g.git.diff("HEAD") if head else ""
        untracked = g.untracked_files
        files["dirty.diff"] = (
            diff + ("\n" if diff else "") + "".join(f"# untracked: {u}\n" for u in untracked)
        ).encode()
    previous: str | None = None
    if resume:
        run_id, previous = records.resolve_run(g, resume)
        old = records.read_records(g, [run_id])[0]
        state = old.effective_status()
        if state in ("succeeded", "running"):
            raise GraftError(
                f"run {run_id} {'already succeeded' if state == 'succeeded' else 'is still running'}"
                "; only an interrupted or failed run can be resumed"
            )
        overrides = overrides or old.overrides
        decisions = decisions if decisions is not None else old.decisions
        started = old.started
    else:
        run_id = new_run_id()
        started = time.time()
    record = records.RunRecord(
        id=run_id,
        experiment=name,
        file=rel,
        status="running",
        started=started,
        commit=head,
        dirty=dirty,
        overrides=list(overrides),
        env=capture(),
        pid=os.getpid(),
        host=socket.gethostname(),
        decisions=decisions,
    )
    previous = records.write_record(g, record, files, previous)
    workdir = Path(g.git_dir) / "graft" / "runs" / run_id  # never in the working tree
    workdir.mkdir(parents=True, exist_ok=True)
    context = RunContext(
        run_id=run_id,
        workdir=workdir,
        seed=seed,
        resume=bool(resume),
        show_progress=show_progress,
        log_stream=log_stream,
    )
    loaded: LoadedFile | None = None
    value: Any = None
    interrupted = False
    try:
        loaded = repo.load_file(name)
        value = pick(loaded.get("experiment"), decisions)
        if overrides:
            rebind(value, parse_overrides(loaded, overrides))
        try:
            files["experiment.py"] = dumps(value, docstring=loaded.docstring).encode()
            files["experiment.json"] = (to_json_str(value, indent=1) + "\n").encode()
        except GraftError as e:
            context.log(f"note: the materialized experiment cannot be written as text: {e}")
        context.log(f"run {run_id}: {name}")
        result = run_value(value, context)
        metrics = context.final_metrics()
        if isinstance(result, dict):
            metrics.update({k: float(v) for k, v in result.items() if isinstance(v, (int, float))})
        record.metrics = metrics
        record.status = "succeeded"
    except Exception as e:  # the run failed: record why and where
        record.status = "failed"
        record.error = describe_error(repo, name, loaded, value, e)
        record.metrics = context.final_metrics()
        try:
            context.log(f"failed: {type(e).__name__}: {e}")
        except OSError:
            pass
    except KeyboardInterrupt:
        record.status = "failed"
        record.error = {"type": "KeyboardInterrupt", "message": "interrupted by the user"}
        interrupted = True
    record.ended = time.time()
    record.env = {**record.env, **capture()}
    for fname in ("metrics.jsonl", "log.txt"):
        p = workdir / fname
        if p.is_file():
            files[fname] = p.read_bytes()
    for art in context.artifacts:
        p = Path(art)
        if p.is_file() and p.stat().st_size <= 10 * 1024 * 1024:
            files[f"artifacts/{p.name}"] = p.read_bytes()
    if record.error and record.error.get("traceback"):
        files["traceback.txt"] = record.error["traceback"].encode()
    records.write_record(g, record, files, previous)
    if record.status == "succeeded":
        shutil.rmtree(workdir / "checkpoints", ignore_errors=True)
    if interrupted:
        raise KeyboardInterrupt
    return record

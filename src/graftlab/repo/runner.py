"""Running an experiment and recording the run in git.

Running is pluggable: an experiment object with a ``run(context)`` method runs itself (the
training experiments of ``graftlab.ml`` do), a symbolic call is called, and
``register_runner(type, fn)`` adds runners for other types. ``execute`` writes a complete
"running" record first and the final record last, so a crash or ``kill -9`` at any point
leaves a valid repository and a record that reads as interrupted.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import secrets
import shutil
import socket
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graftlab.io.errors import FormatError
from graftlab.io.json_format import to_json_str
from graftlab.io.loader import LoadedFile, loads_file
from graftlab.io.writer import dumps
from graftlab.patching.provenance import provenance, provenances
from graftlab.repo import gitio, records
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
        argument = None
        if prov is None:  # a rule that set an argument of the failing component
            prov, argument = _rule_under(value, path)
        if prov is not None and prov.source:
            file, span = prov.source
            out = {
                "file": _rel(repo, file),
                "line": span.line,
                "column": span.column + 1,
                "end_line": span.end_line,
                "end_column": span.end_column + 1,
                "uri": prov.uri,
            }
            if argument is not None:
                out["argument"] = argument
            return out
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


def _rule_under(value: Any, path: KeyPath) -> tuple[Any, str | None]:
    """The last rule (in chain order) that wrote an argument of the component at ``path``
    (nearest arguments first), and that argument's key path; ``(None, None)`` if none."""
    try:
        written = provenances(value)
    except Exception:
        return None, None
    under = [
        (len(p), -pv.position, str(p), pv)
        for p, pv in written.items()
        if len(p) > len(path) and path.is_prefix_of(p) and pv.source
    ]
    if not under:
        return None, None
    _, _, where, prov = min(under, key=lambda t: (t[0], t[1]))
    return prov, where


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


class OverrideError(GraftError):
    """An override (``KEY.PATH=VALUE``) that is malformed, names nothing, or has a wrong value."""


def apply_overrides(loaded: LoadedFile, value: Any, overrides: list[str]) -> None:
    """Apply ``overrides`` to ``value`` one by one; an error names the override it came from."""
    if not overrides:
        return
    parsed = parse_overrides(loaded, overrides)
    for item, (path, new) in zip(overrides, parsed.items(), strict=False):
        try:
            rebind(value, {path: new})
        except GraftError as e:
            raise OverrideError(f"override {item!r}: {getattr(e, 'message', None) or e}") from None


def _load_once(repo: Repo, path: Path, overrides: list[str]) -> tuple[bytes, LoadedFile, Any]:
    """Read the experiment file once and build from those bytes (what is recorded ran)."""
    from graftlab.io.syntax import decode

    source = path.read_bytes()
    loaded = loads_file(decode(source, str(path)), file=str(path), base_dir=path.parent)
    value = loaded.get("experiment")
    apply_overrides(loaded, value, overrides)
    return source, loaded, value


def _materialized(value: Any, loaded: LoadedFile) -> dict[str, bytes]:
    try:
        return {
            "experiment.py": dumps(value, docstring=loaded.docstring).encode(),
            "experiment.json": (to_json_str(value, indent=1) + "\n").encode(),
        }
    except GraftError:
        return {}


def _changes(old_json: bytes | None, new_json: bytes | None) -> list[str]:
    """What differs between the recorded experiment and the current one (a few lines)."""
    if old_json == new_json:
        return []
    if old_json is None or new_json is None:
        return ["the materialized experiment cannot be compared"]
    import json

    from graftlab.repo.semantic import json_diff, render

    out = []
    for e in json_diff(json.loads(old_json), json.loads(new_json)).entries:
        old = "" if e.kind == "added" else render(e.old, 60)
        new = "" if e.kind == "removed" else render(e.new, 60)
        out.append(f"{e.path or '<root>'}: {old or '(none)'} -> {new or '(none)'}")
    return out or ["the materialized experiment changed"]


def _settings(repo: Repo) -> tuple[float, float]:
    """(heartbeat, lease) seconds from ``[run]`` in graft.toml."""
    run = repo.config.raw.get("run", {}) if isinstance(repo.config.raw, dict) else {}
    beat = float(run.get("heartbeat_seconds", records.HEARTBEAT_SECONDS))
    lease = float(run.get("lease_seconds", max(records.LEASE_SECONDS, 4 * beat)))
    return beat, lease


class _Recorder:
    """Writes a run's records in order; a background heartbeat renews its lease."""

    def __init__(
        self,
        g: Any,
        record: records.RunRecord,
        files: dict[str, bytes],
        previous: str | None,
        workdir: Path,
    ) -> None:
        self.g, self.record, self.files, self.previous = g, record, files, previous
        self.workdir = workdir
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def write(self) -> None:
        with self.lock:
            self.previous = records.write_record(self.g, self.record, self.files, self.previous)

    def collect(self) -> None:
        for fname in ("metrics.jsonl", "log.txt"):
            p = self.workdir / fname
            if p.is_file():
                self.files[fname] = p.read_bytes()

    def start_heartbeat(self, interval: float) -> None:
        def beat() -> None:
            while not self.stop.wait(interval):
                try:
                    with self.lock:
                        if self.stop.is_set():
                            return
                        self.record.heartbeat = time.time()
                        self.collect()
                        self.previous = records.write_record(
                            self.g, self.record, self.files, self.previous
                        )
                except (GraftError, OSError):
                    continue  # the final record says what went wrong

        self.thread = threading.Thread(target=beat, name="graft-heartbeat", daemon=True)
        self.thread.start()

    def stop_heartbeat(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()


RESERVE_BYTES = 256 * 1024  # freed to record why a run failed when the disk is full


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
    accept_changes: bool = False,
    force: bool = False,
    show_progress: bool = True,
    log_stream: Any = None,
    decisions: dict[str, Any] | None = None,
) -> records.RunRecord:
    """Run experiment ``name`` and record it under ``refs/graft/runs/<id>``; returns the record.

    Everything that can be checked is checked before anything is recorded: the file loads,
    overrides parse and apply, a resumed run is resumable and still the same experiment. A
    bad command line never leaves a record behind.
    """
    path = repo.path_of(name)
    name = repo.name_of(path)
    check_overrides(overrides)
    rel = _rel(repo, str(path))
    g = repo.git
    previous: str | None = None
    old: records.RunRecord | None = None
    if resume:
        run_id, previous = records.resolve_run(g, resume)
        old = records.read_records(g, [run_id])[0]
        state = old.effective_status()
        if state == "succeeded":
            raise GraftError(
                f"run {run_id} already succeeded; only an interrupted or failed run can be resumed"
            )
        if state == "running" and not force:
            age = time.time() - max(old.heartbeat, old.started)
            raise GraftError(
                f"run {run_id} is still running (on {old.host or '?'}, pid {old.pid}, last "
                f"heartbeat {age:.0f} s ago; it reads as interrupted after "
                f"{old.lease or records.LEASE_SECONDS:.0f} s without one); "
                "`--force` resumes it anyway"
            )
        overrides = overrides or old.overrides
        decisions = decisions if decisions is not None else old.decisions
    # load once and validate everything before anything is recorded
    source, loaded, value = _load_once(repo, path, overrides)
    value = pick(value, decisions)  # a search space: the point the decisions choose
    materialized = _materialized(value, loaded)
    try:
        head: str | None = g.head.commit.hexsha
    except ValueError:
        head = None
    untracked, dirty = _status(g)
    resume_note: dict[str, Any] = {}
    if old is not None and previous is not None:
        recorded = records.read_file(g, previous, "experiment.json")
        if recorded is None:  # an older record: compare the file as written
            before = records.read_file(g, previous, f"source/{old.file}")
            changes = [] if before == source else [f"{old.file} changed since the run started"]
        else:
            changes = _changes(recorded, materialized.get("experiment.json"))
        if list(overrides) != list(old.overrides):
            changes.append(f"overrides {old.overrides} -> {list(overrides)}")
        if changes and not accept_changes:
            shown = "; ".join(changes[:3]) + ("; ..." if len(changes) > 3 else "")
            raise GraftError(
                f"run {old.id} ran a different experiment ({shown}); resume continues the "
                "recorded experiment only: undo the change, or add --accept-changes to "
                "continue with the current one (the record keeps both)"
            )
        resume_note = {
            "at": time.time(),
            "commit": head,
            "dirty": dirty,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            **({"forced": True} if force else {}),
            **({"accepted_changes": changes} if changes else {}),
        }
    files: dict[str, bytes] = {f"source/{rel}": source, **materialized}
    if dirty:
        diff = g.git.diff("--no-textconv", "--no-ext-diff", "HEAD") if head else ""
        files["dirty.diff"] = (
            diff + ("\n" if diff else "") + "".join(f"# untracked: {u}\n" for u in untracked)
        ).encode()
    beat, lease = _settings(repo)
    now = time.time()
    if old is not None:
        record = old
        record.status, record.ended, record.error = "running", None, None
        record.pid, record.host, record.heartbeat, record.lease = (
            os.getpid(),
            socket.gethostname(),
            now,
            lease,
        )
        record.resumes = [*old.resumes, resume_note]
        if "accepted_changes" in resume_note:
            record.dirty = record.dirty or dirty
        if old.file != rel:
            files.pop(f"source/{old.file}", None)
        record.file = rel
        record.source = {rel: hashlib.sha256(source).hexdigest()}
        record.env = capture()
        run_id = record.id
    else:
        run_id = new_run_id()
        record = records.RunRecord(
            id=run_id,
            experiment=name,
            file=rel,
            status="running",
            started=now,
            commit=head,
            dirty=dirty,
            overrides=list(overrides),
            env=capture(),
            pid=os.getpid(),
            host=socket.gethostname(),
            heartbeat=now,
            lease=lease,
            source={rel: hashlib.sha256(source).hexdigest()},
            decisions=decisions,
        )
    workdir = Path(g.common_dir) / "graft" / "runs" / run_id  # never in the working tree
    recorder = _Recorder(g, record, files, previous, workdir)
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        if previous is not None:
            _restore_workdir(g, previous, workdir)
        recorder.collect()
        recorder.write()  # the complete "running" record
    except OSError as e:
        reason, line = gitio.failure(e.strerror or str(e))
        raise gitio.GitWriteError(f"cannot start run {run_id}: {line}", reason) from None
    except gitio.GitWriteError as e:
        raise gitio.GitWriteError(f"cannot start run {run_id}: {e}", e.reason) from None
    reserve = workdir / "reserve"
    try:
        reserve.write_bytes(b"\0" * RESERVE_BYTES)
    except OSError:
        reserve.unlink(missing_ok=True)
    context = RunContext(
        run_id=run_id,
        workdir=workdir,
        seed=seed,
        resume=bool(resume),
        show_progress=show_progress,
        log_stream=log_stream,
    )
    interrupted = False
    recorder.start_heartbeat(beat)
    try:
        context.log(f"run {run_id}: {name}" + (" (resumed)" if resume else ""))
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
    finally:
        recorder.stop_heartbeat()
    record.ended = time.time()
    record.env = {**record.env, **capture()}
    try:
        recorder.collect()
    except OSError:
        pass
    for art in context.artifacts:
        p = Path(art)
        if p.is_file() and p.stat().st_size <= 10 * 1024 * 1024:
            files[f"artifacts/{p.name}"] = p.read_bytes()
    if record.error and record.error.get("traceback"):
        files["traceback.txt"] = record.error["traceback"].encode()
    _write_final(recorder, reserve)
    if record.status == "succeeded":
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        reserve.unlink(missing_ok=True)
    if interrupted:
        raise KeyboardInterrupt
    return record


def _status(g: Any) -> tuple[list[str], bool]:
    """(untracked files, dirty?) of the working tree from one ``git status``."""
    out = g.git.status("--porcelain", "-z", "--no-renames", "--untracked-files=normal")
    untracked, dirty = [], False
    for entry in out.split("\0"):
        if not entry:
            continue
        dirty = True
        if entry.startswith("?? "):
            untracked.append(entry[3:])
    return untracked, dirty


def _write_final(recorder: _Recorder, reserve: Path) -> None:
    """The final record; when the disk is full, free the reserve and keep at least why."""
    try:
        recorder.write()
        return
    except gitio.GitWriteError as e:
        if e.reason != "disk full":
            raise gitio.GitWriteError(
                f"run {recorder.record.id}: cannot record the result: {e}", e.reason
            ) from None
        first = e
    reserve.unlink(missing_ok=True)
    rec = recorder.record
    if rec.error is None or rec.status == "succeeded":
        rec.error = {**(rec.error or {}), "type": "OSError", "message": str(first)}
    rec.error["recording"] = f"the final record was cut down: {first}"
    keep = {
        k: v for k, v in recorder.files.items() if k.startswith("source/") or k == "metrics.jsonl"
    }
    recorder.files.clear()
    recorder.files.update(keep)
    try:
        recorder.write()
    except gitio.GitWriteError as e:
        raise gitio.GitWriteError(
            f"run {rec.id}: cannot record the result: {e}", e.reason
        ) from None


def _restore_workdir(g: Any, commit: str, workdir: Path) -> None:
    """A resumed run continues the recorded metrics and log (also on another machine)."""
    for fname in ("metrics.jsonl", "log.txt"):
        p = workdir / fname
        if not p.is_file():
            data = records.read_file(g, commit, fname)
            if data is not None:
                p.write_bytes(data)

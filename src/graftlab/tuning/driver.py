"""The tune driver: asks the algorithm, dispatches trials, records every trial as a run.

Only the driver writes to git. A trial's "running" record is written as it is dispatched
and its final record when its result arrives, each with one atomic ref update (on a writer
thread, in order, so dispatching never waits for git). ``tune(..., resume=ID)`` rebuilds
the algorithm's state by telling it every finished trial, re-runs the interrupted ones
under their own run ids and decisions, and proposes only what is still missing: after a
``kill -9`` nothing recorded is lost and no trial is recorded twice.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graftlab.hyper import Space, is_template
from graftlab.hyper.algorithms import get_algorithm
from graftlab.hyper.early_stopping import get_stopper
from graftlab.hyper.objectives import Objective, values_of
from graftlab.repo import records
from graftlab.repo.environment import capture
from graftlab.repo.layout import Repo
from graftlab.repo.runner import new_run_id
from graftlab.symbolic.errors import GraftError
from graftlab.tuning.store import TuneRecord, read_trials, resolve_tune, write_tune

FINISHED = ("succeeded", "failed", "stopped")


@dataclass
class TuneOptions:
    experiment: str
    algorithm: str = "random"
    trials: int = 20
    workers: int = 1
    objectives: list[str] = field(default_factory=lambda: ["loss:min"])
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    early_stopping: str | None = None
    stopping_options: dict[str, Any] = field(default_factory=dict)
    ray: str | None = None


class _Writer:
    """Writes records on one thread, in order; ``previous`` commits are tracked per run.

    Each record is copied as it is queued (the driver goes on updating its own), and a record
    without an environment gets the run's, captured here once: reading package metadata
    then costs the first trials nothing.
    """

    def __init__(self, repo: Repo) -> None:
        self.git = repo.git
        self.env: dict[str, Any] | None = None
        self.previous: dict[str, str | None] = {}
        self.q: queue.Queue[Any] = queue.Queue()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def put(self, record: records.RunRecord, files: dict[str, bytes]) -> None:
        self.q.put((dataclasses.replace(record), files))

    def _loop(self) -> None:
        while True:
            item = self.q.get()
            if item is None:
                return
            record, files = item
            try:
                if not record.env:
                    if self.env is None:
                        self.env = capture()
                    record.env = self.env
                prev = self.previous.get(record.id)
                self.previous[record.id] = records.write_record(self.git, record, files, prev)
            except BaseException as e:  # reported by close()
                self.error = e

    def close(self) -> None:
        self.q.put(None)
        self.thread.join()
        if self.error is not None:
            raise GraftError(f"writing a trial record failed: {self.error}")


def tune(
    repo: Repo,
    opts: TuneOptions | None = None,
    *,
    resume: str | None = None,
    on_event: Callable[[str, dict[str, Any]], None] | None = None,
) -> TuneRecord:
    """Run (or resume) a tune; returns its record. Trials are runs under refs/graft/runs/."""
    g = repo.git
    past: list[records.RunRecord] = []
    if resume:
        rec = resolve_tune(g, resume)
        past = read_trials(g, rec.id)
        opts = TuneOptions(
            experiment=rec.experiment,
            algorithm=rec.algorithm,
            trials=rec.trials,
            workers=(opts.workers if opts is not None else rec.workers),
            objectives=rec.objectives,
            seed=rec.seed,
            options=rec.options,
            early_stopping=rec.early_stopping,
            stopping_options=rec.stopping_options,
            ray=opts.ray if opts is not None else None,
        )
    if opts is None:
        raise GraftError("tune: give options or resume=ID")
    name = repo.name_of(repo.path_of(opts.experiment))
    pool = _pool(repo, opts)  # local workers start while the space loads
    try:
        return _tune(repo, opts, name, pool, rec if resume else None, past, on_event)
    finally:
        pool.close()


def _pool(repo: Repo, opts: TuneOptions) -> Any:
    if opts.ray:
        from graftlab.tuning.ray_pool import RayPool

        return RayPool(str(repo.root), opts.ray, opts.workers)
    from graftlab.tuning.pool import LocalPool

    return LocalPool(str(repo.root), opts.workers)


def _tune(
    repo: Repo,
    opts: TuneOptions,
    name: str,
    pool: Any,
    resumed: TuneRecord | None,
    past: list[records.RunRecord],
    on_event: Callable[[str, dict[str, Any]], None] | None,
) -> TuneRecord:
    g = repo.git
    template = repo.load(name)
    if not is_template(template):
        raise GraftError(f"experiment {name!r} has no choices: there is nothing to tune")
    space = Space(template)
    objectives = [Objective.parse(o) for o in opts.objectives]
    algo = get_algorithm(opts.algorithm, **opts.options)
    algo.setup(space, objectives, seed=opts.seed)
    stopper = get_stopper(opts.early_stopping, objectives[0], **opts.stopping_options)
    if resumed is not None:
        rec = resumed
    else:
        rec = TuneRecord(
            id="tune-" + new_run_id(),
            experiment=name,
            algorithm=opts.algorithm,
            trials=opts.trials,
            objectives=[str(o) for o in objectives],
            workers=opts.workers,
            seed=opts.seed,
            options=opts.options,
            early_stopping=opts.early_stopping,
            stopping_options=opts.stopping_options,
            backend="ray" if opts.ray else "local",
            space=space.to_json(),
        )
        write_tune(g, rec)
    emit = on_event or (lambda kind, data: None)

    # -- rebuild the state from what was recorded -------------------------------------------
    redo: list[records.RunRecord] = []
    done = 0
    numbers: set[int] = set()
    for r in past:
        status = r.effective_status()
        numbers.add(r.trial if r.trial is not None else -1)
        if status in FINISHED:
            vals = None if status == "failed" else values_of(objectives, r.metrics)
            algo.tell(r.trial or 0, r.decisions or {}, vals)
            done += 1
        elif status == "interrupted":
            redo.append(r)
        else:
            raise GraftError(
                f"trial {r.trial} ({r.id}) of {rec.id} is still running (pid {r.pid} on "
                f"{r.host}): is the tune running elsewhere?"
            )
    next_trial = max(numbers, default=-1) + 1
    emit("start", {"tune": rec.id, "done": done, "redo": len(redo), "trials": rec.trials})

    head = g.head.commit.hexsha if g.head.is_valid() else None
    dirty = g.is_dirty(untracked_files=True)
    path = repo.path_of(name)
    rel = path.resolve().relative_to(repo.root.resolve()).as_posix()
    source = path.read_bytes()
    writer = _Writer(repo)
    for r in redo:
        _, sha = records.resolve_run(g, r.id)
        writer.previous[r.id] = sha
    pending: dict[int, records.RunRecord] = {}
    watch = objectives[0].metric if stopper is not None else None

    def start(trial: int, decisions: dict[str, Any], run_id: str, started: float) -> dict[str, Any]:
        record = records.RunRecord(
            id=run_id,
            experiment=name,
            file=rel,
            status="running",
            started=started,
            commit=head,
            dirty=dirty,
            pid=os.getpid(),
            host=socket.gethostname(),
            heartbeat=time.time(),
            decisions=decisions,
            tune=rec.id,
            trial=trial,
        )
        pending[trial] = record
        writer.put(record, {f"source/{rel}": source})
        return {
            "trial": trial,
            "name": name,
            "decisions": decisions,
            "run_id": run_id,
            "seed": opts.seed * 1_000_003 + trial,
            "watch": watch,
        }

    def finish(msg: dict[str, Any]) -> None:
        nonlocal done
        trial = msg["trial"]
        record = pending.pop(trial)
        record.status = msg.get("status", "failed")
        record.metrics = msg.get("metrics") or {}
        record.error = msg.get("error")
        record.ended = msg.get("ended") or time.time()
        files = {k: v.encode("utf-8") for k, v in (msg.get("files") or {}).items()}
        files.setdefault(f"source/{rel}", source)
        if record.error and record.error.get("traceback"):
            files["traceback.txt"] = record.error["traceback"].encode()
        writer.put(record, files)
        vals = None if record.status == "failed" else values_of(objectives, record.metrics)
        algo.tell(trial, record.decisions or {}, vals)
        done += 1
        emit("trial", {"trial": trial, "record": record, "done": done, "trials": rec.trials})

    exhausted = False
    try:
        while True:
            while pool.capacity and (redo or (not exhausted and done + len(pending) < rec.trials)):
                if redo:
                    r = redo.pop(0)
                    pool.submit(start(r.trial or 0, r.decisions or {}, r.id, r.started))
                    continue
                decisions = algo.ask(next_trial)
                if decisions is None:
                    exhausted = True
                    break
                pool.submit(start(next_trial, decisions, new_run_id(), time.time()))
                next_trial += 1
            if not pending:
                break
            for msg in pool.messages(1.0):
                if msg["op"] == "report" and stopper is not None:
                    pool.reply(
                        msg["trial"], stopper.report(msg["trial"], msg["step"], msg["value"])
                    )
                elif msg["op"] == "result":
                    finish(msg)
    finally:
        writer.close()
    emit("end", {"tune": rec.id, "done": done})
    return rec


def best_trials(
    tune_rec: TuneRecord, trials: list[records.RunRecord]
) -> list[tuple[records.RunRecord, list[float] | None]]:
    """Trials with their objective values, best first (by the first objective); failed last."""
    objectives = [Objective.parse(o) for o in tune_rec.objectives]
    rows = []
    for r in trials:
        status = r.effective_status()
        vals = values_of(objectives, r.metrics) if status in ("succeeded", "stopped") else None
        rows.append((r, vals))

    def key(row: tuple[records.RunRecord, list[float] | None]) -> tuple[int, int, float]:
        r, vals = row
        rank = 0 if r.effective_status() == "succeeded" else 1
        if vals is None:
            return (2, 0, 0.0)
        return (rank, 0, -objectives[0].score(vals[0]))

    return sorted(rows, key=key)

"""Where trials run: local worker processes (the default) or Ray tasks.

A pool takes trial payloads (``submit``) and yields messages: ``report`` (an intermediate
value, answered with ``reply``) and ``result``. A worker that dies mid-trial yields a failed
result for that trial and is replaced, so the tune goes on.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from typing import Any


class LocalPool:
    """``workers`` long-lived ``python -m graftlab.tuning.worker`` processes."""

    def __init__(self, root: str, workers: int) -> None:
        self.root = root
        self.size = max(1, workers)
        self.sel = selectors.DefaultSelector()
        self.procs: list[subprocess.Popen[str]] = []
        self.busy: dict[int, int] = {}  # worker pid -> trial
        self.idle: list[subprocess.Popen[str]] = []
        self.by_trial: dict[int, subprocess.Popen[str]] = {}
        # Start them all now and wait for them only when a trial is first submitted: the
        # driver loads the space and reads the records while the workers import graftlab.
        self.starting = [self._start() for _ in range(self.size)]

    @property
    def capacity(self) -> int:
        while self.starting:
            self._ready(self.starting.pop(0))
        return len(self.idle)

    def _spawn(self) -> None:
        self._ready(self._start())

    def _start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "graftlab.tuning.worker", self.root],
            cwd=self.root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL if os.environ.get("GRAFT_TUNE_QUIET", "1") == "1" else None,
            text=True,
            bufsize=1,
        )

    def _ready(self, proc: subprocess.Popen[str]) -> None:
        self.procs.append(proc)
        ready = proc.stdout.readline()  # type: ignore[union-attr]
        if not ready:
            raise RuntimeError("a tune worker failed to start")
        self.sel.register(proc.stdout, selectors.EVENT_READ, proc)  # type: ignore[arg-type]
        self.idle.append(proc)

    def submit(self, payload: dict[str, Any]) -> None:
        proc = self.idle.pop()
        self.by_trial[payload["trial"]] = proc
        self.busy[proc.pid] = payload["trial"]
        proc.stdin.write(json.dumps({"op": "trial", **payload}) + "\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]

    def reply(self, trial: int, stop: bool) -> None:
        proc = self.by_trial.get(trial)
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.write(json.dumps({"op": "verdict", "stop": stop}) + "\n")  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
            except BrokenPipeError:
                pass

    def messages(self, timeout: float = 1.0) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for key, _ in self.sel.select(timeout):
            proc: subprocess.Popen[str] = key.data
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if line:
                msg = json.loads(line)
                if msg.get("op") == "result":
                    self._free(proc, msg["trial"])
                out.append(msg)
                continue
            # the worker died: fail its trial and start another worker
            self.sel.unregister(proc.stdout)  # type: ignore[arg-type]
            code = proc.wait()
            self.procs.remove(proc)
            trial = self.busy.pop(proc.pid, None)
            if proc in self.idle:
                self.idle.remove(proc)
            if trial is not None:
                self.by_trial.pop(trial, None)
                out.append(
                    {
                        "op": "result",
                        "trial": trial,
                        "status": "failed",
                        "metrics": {},
                        "files": {},
                        "error": {
                            "type": "WorkerDied",
                            "message": f"the worker process running this trial died (exit {code})",
                        },
                    }
                )
            self._spawn()
        return out

    def _free(self, proc: subprocess.Popen[str], trial: int) -> None:
        self.busy.pop(proc.pid, None)
        self.by_trial.pop(trial, None)
        self.idle.append(proc)

    def close(self) -> None:
        self.procs.extend(self.starting)
        self.starting = []
        for proc in self.procs:
            try:
                proc.stdin.write(json.dumps({"op": "exit"}) + "\n")  # type: ignore[union-attr]
                proc.stdin.close()  # type: ignore[union-attr]
            except (BrokenPipeError, ValueError):
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.sel.close()

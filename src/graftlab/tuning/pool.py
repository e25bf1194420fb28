"""Where trials run: local worker processes (the default) or Ray tasks.

A pool takes trial payloads (``submit``) and yields messages: ``report`` (an intermediate
value, answered with ``reply``) and ``result``. A worker that dies mid-trial yields a failed
result for that trial and is replaced, so the tune goes on.

Local workers are long-lived and take one trial after another. On Linux, while the driver
has a single thread (it forks them before anything starts a thread), they are forked from
the driver: they start in milliseconds with graftlab already imported, instead of a second
or more for a fresh interpreter to import it. Elsewhere, and for a replacement started
while the driver's record writer runs, a worker is a fresh ``python -m
graftlab.tuning.worker`` process that says ``ready`` when it has imported graftlab; the
driver goes on dispatching to the others meanwhile. ``GRAFT_TUNE_SPAWN=1`` always starts
fresh processes.
"""

from __future__ import annotations

import json
import os
import select
import selectors
import subprocess
import sys
from typing import IO, Any

from graftlab.symbolic.errors import GraftError
from graftlab.tuning.trial import failed_result


def _can_fork() -> bool:
    """Forking is safe: Linux, asked for, and this process runs a single thread."""
    if not sys.platform.startswith("linux") or os.environ.get("GRAFT_TUNE_SPAWN") == "1":
        return False
    try:
        return len(os.listdir("/proc/self/task")) == 1  # native threads count too
    except OSError:
        return False


class ForkedWorker:
    """A worker forked from the driver, with the few parts of ``subprocess.Popen`` the pool
    uses (``pid``, ``stdin``, ``stdout``, ``poll``, ``wait``, ``kill``)."""

    def __init__(self, root: str, quiet: bool, inherited: list[int]) -> None:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        sys.stdout.flush()  # or the child would write the driver's buffered output again
        sys.stderr.flush()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                os.close(in_w)
                os.close(out_r)
                for fd in inherited:  # other workers' pipes: their ends of file stay theirs
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                from graftlab.tuning.worker import serve_forked

                code = serve_forked(root, in_r, out_w, parent, quiet)
            except BaseException:
                import traceback

                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(in_r)
        os.close(out_w)
        self.pid = pid
        self.stdin: IO[str] = open(in_w, "w", buffering=1, encoding="utf-8")  # noqa: SIM115
        self.stdout: IO[str] = open(out_r, encoding="utf-8")  # noqa: SIM115
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None and timeout is not None and self.poll() is None:
            fd = os.pidfd_open(self.pid)  # readable once the process has exited
            try:
                if not select.select([fd], [], [], timeout)[0]:
                    raise subprocess.TimeoutExpired(str(self.pid), timeout)
            finally:
                os.close(fd)
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 9)
            except ProcessLookupError:
                pass


Worker = Any  # subprocess.Popen[str] | ForkedWorker


class LocalPool:
    """``workers`` long-lived local worker processes."""

    def __init__(self, root: str, workers: int) -> None:
        self.root = root
        self.size = max(1, workers)
        self.quiet = os.environ.get("GRAFT_TUNE_QUIET", "1") == "1"
        self.sel = selectors.DefaultSelector()
        self.procs: list[Worker] = []
        self.starting: list[Worker] = []  # started, not yet ready
        self.busy: dict[int, int] = {}  # worker pid -> trial
        self.idle: list[Worker] = []
        self.by_trial: dict[int, Worker] = {}
        # Start them all now: the driver loads the space and reads the records meanwhile.
        for _ in range(self.size):
            self._start()

    @property
    def capacity(self) -> int:
        """Idle workers; waits for one to be ready only when no worker is ready at all."""
        while self.starting and not self.idle and not self.busy:
            self.messages(None)
        return len(self.idle)

    def _start(self) -> None:
        proc: Worker
        if _can_fork():
            inherited = [p.stdin.fileno() for p in self.procs if not p.stdin.closed]
            inherited += [p.stdout.fileno() for p in self.procs if not p.stdout.closed]
            proc = ForkedWorker(self.root, self.quiet, inherited)
            self.idle.append(proc)  # it reads its first trial as soon as it runs
        else:
            proc = subprocess.Popen(
                [sys.executable, "-m", "graftlab.tuning.worker", self.root],
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL if self.quiet else None,
                text=True,
                bufsize=1,
            )
            self.starting.append(proc)
        self.procs.append(proc)
        self.sel.register(proc.stdout, selectors.EVENT_READ, proc)

    def submit(self, payload: dict[str, Any]) -> None:
        proc = self.idle.pop()
        self.by_trial[payload["trial"]] = proc
        self.busy[proc.pid] = payload["trial"]
        proc.stdin.write(json.dumps({"op": "trial", **payload}) + "\n")
        proc.stdin.flush()

    def reply(self, trial: int, stop: bool) -> None:
        proc = self.by_trial.get(trial)
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.write(json.dumps({"op": "verdict", "stop": stop}) + "\n")
                proc.stdin.flush()
            except BrokenPipeError:
                pass

    def messages(self, timeout: float | None = 1.0) -> list[dict[str, Any]]:
        """The messages that arrive within ``timeout`` seconds (a ``result`` frees its worker)."""
        out: list[dict[str, Any]] = []
        for key, _ in self.sel.select(timeout):
            proc: Worker = key.data
            line = proc.stdout.readline()
            if line:
                msg = json.loads(line)
                if msg.get("op") == "ready":
                    self.starting.remove(proc)
                    self.idle.append(proc)
                    continue
                if msg.get("op") == "result":
                    self._free(proc, msg["trial"])
                out.append(msg)
                continue
            out.extend(self._died(proc))
        return out

    def _died(self, proc: Worker) -> list[dict[str, Any]]:
        """A worker's output ended: fail its trial (if any) and start another worker."""
        self.sel.unregister(proc.stdout)
        proc.stdout.close()
        code = proc.wait()
        self.procs.remove(proc)
        if proc in self.starting:
            raise GraftError(
                f"a tune worker failed to start (exit {code}); "
                "GRAFT_TUNE_QUIET=0 shows its standard error"
            )
        if proc in self.idle:
            self.idle.remove(proc)
        trial = self.busy.pop(proc.pid, None)
        self._start()
        if trial is None:
            return []
        self.by_trial.pop(trial, None)
        return [
            failed_result(
                trial, "WorkerDied", f"the worker process running this trial died (exit {code})"
            )
        ]

    def _free(self, proc: Worker, trial: int) -> None:
        self.busy.pop(proc.pid, None)
        self.by_trial.pop(trial, None)
        self.idle.append(proc)

    def close(self) -> None:
        for proc in self.procs:
            try:
                proc.stdin.write(json.dumps({"op": "exit"}) + "\n")
                proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.sel.close()

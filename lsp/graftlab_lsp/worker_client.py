"""The server's side of the worker: start it, send requests, restart it when code changes."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any


class WorkerClient:
    """One worker process; requests are serialized (the loader is fast, one at a time is fine)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root
        self._proc: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._closed = False

    def _start(self) -> subprocess.Popen[str]:
        env = dict(os.environ)
        self._proc = subprocess.Popen(
            # -P: the working directory (the workspace) is not put first on sys.path, so
            # a workspace file named like one of our modules (graftlab_lsp.py) never runs;
            # the worker adds the root itself once its own modules are imported.
            [sys.executable, "-P", "-m", "graftlab_lsp.worker", str(self.root or ".")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=str(self.root) if self.root else None,
            env=env,
            bufsize=1,
        )
        return self._proc

    def request(self, op: str, **payload: Any) -> dict[str, Any]:
        """Send one request and wait for its answer (restarting a dead worker once)."""
        with self._lock:
            for attempt in range(2):
                if self._closed:
                    return {"error": "the server is shutting down"}
                proc = self._proc if self._proc and self._proc.poll() is None else self._start()
                rid = next(self._ids)
                try:
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write(json.dumps({"id": rid, "op": op, **payload}) + "\n")
                    proc.stdin.flush()
                    while True:
                        line = proc.stdout.readline()
                        if not line:
                            raise BrokenPipeError("worker exited")
                        answer = json.loads(line)
                        if answer.get("id") == rid:
                            return answer  # type: ignore[no-any-return]
                except (BrokenPipeError, OSError, json.JSONDecodeError):
                    self._kill()
                    if attempt:
                        return {"id": rid, "error": "the graftlab worker process stopped"}
            return {"error": "unreachable"}

    def restart(self) -> None:
        """Forget the worker (it is started again on the next request): code has changed."""
        with self._lock:
            self._kill()

    def _kill(self) -> None:
        if self._proc is not None:
            try:
                self._proc.kill()
                self._proc.wait(timeout=5)
            except Exception:
                pass
            self._proc = None

    def close(self) -> None:
        """Stop the worker for good (a request under way gets an error, none restarts it)."""
        self._closed = True
        proc = self._proc
        if proc is not None:
            try:
                proc.kill()  # without the lock: a request waiting on the worker ends now
            except Exception:
                pass
        self.restart()

"""A local worker: runs trials sent as JSON lines, answers with JSON lines.

A worker is long-lived: it imports graftlab once and takes trial after trial. The tune
driver forks its workers (Linux, while the driver has a single thread: they start in
milliseconds with graftlab already imported, see ``graftlab.tuning.pool``) or starts them
as ``python -m graftlab.tuning.worker ROOT``. The protocol has its own pipes; the
experiments' prints go to standard error. On Linux a worker dies with its driver
(``PR_SET_PDEATHSIG``), so a driver killed with ``kill -9`` leaves no orphan running trials
(they read as interrupted and are re-run by ``graft tune --resume``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import IO, Any

#: The name a worker gives itself (``/proc/PID/comm``, what ``ps -o comm`` shows).
PROCESS_NAME = "graft-worker"


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere).

    ``parent``: the pid the parent had; if it is already gone (it died before the request
    was made), exit now.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        libc.prctl(15, PROCESS_NAME.encode())  # PR_SET_NAME
    except OSError:
        pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def serve(root: str, proto_in: IO[str], proto_out: IO[str], *, greet: bool = True) -> None:
    """Run the trials read from ``proto_in`` until ``exit`` or end of input."""

    def send(msg: dict[str, Any]) -> None:
        proto_out.write(json.dumps(msg) + "\n")
        proto_out.flush()

    from graftlab.tuning.trial import run_trial

    if greet:
        send({"op": "ready", "pid": os.getpid()})
    for line in proto_in:
        msg = json.loads(line)
        if msg.get("op") == "exit":
            break
        trial = msg["trial"]

        def reporter(step: int, value: float, trial: int = trial) -> bool:
            send({"op": "report", "trial": trial, "step": step, "value": value})
            reply = json.loads(proto_in.readline() or "{}")
            return bool(reply.get("stop"))

        result = run_trial(
            root,
            msg["name"],
            msg["decisions"],
            msg["run_id"],
            seed=msg.get("seed"),
            reporter=reporter if msg.get("watch") else None,
            watch=msg.get("watch"),
        )
        send({"op": "result", "trial": trial, **result})


def _quiet_stderr(quiet: bool) -> None:
    """Standard output goes to standard error (or both to /dev/null when ``quiet``)."""
    if quiet:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)
        os.close(null)
    os.dup2(2, 1)


def serve_forked(root: str, in_fd: int, out_fd: int, parent: int, quiet: bool) -> int:
    """The body of a forked worker: fresh standard streams, then ``serve`` on the pipes."""
    die_with_parent(parent)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)  # never the driver's terminal
    os.close(null)
    _quiet_stderr(quiet)
    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    sys.stdout = sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    proto_in = open(in_fd, encoding="utf-8")  # noqa: SIM115
    proto_out = open(out_fd, "w", buffering=1, encoding="utf-8")  # noqa: SIM115
    serve(root, proto_in, proto_out, greet=False)
    proto_out.flush()
    return 0


def main(argv: list[str]) -> int:
    root = argv[0]
    die_with_parent()
    proto_out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # the experiments' prints go to stderr
    sys.stdout = sys.stderr
    serve(root, sys.stdin, proto_out)
    proto_out.flush()
    sys.stderr.flush()
    os._exit(0)  # nothing left to clean up: skip the interpreter's teardown


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

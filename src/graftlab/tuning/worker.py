"""A local worker process: runs trials sent as JSON lines, answers with JSON lines.

Started by the tune driver as ``python -m graftlab.tuning.worker ROOT``. The protocol uses
a private copy of standard output; the experiments' own prints go to standard error. On
Linux the worker dies with its driver (``PR_SET_PDEATHSIG``), so a driver killed with
``kill -9`` leaves no orphan running trials (they read as interrupted and are re-run by
``graft tune --resume``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any


def die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def main(argv: list[str]) -> int:
    root = argv[0]
    die_with_parent()
    proto_out = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # the experiments' prints go to stderr
    sys.stdout = sys.stderr
    proto_in = sys.stdin

    def send(msg: dict[str, Any]) -> None:
        proto_out.write(json.dumps(msg) + "\n")
        proto_out.flush()

    from graftlab.tuning.trial import run_trial

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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

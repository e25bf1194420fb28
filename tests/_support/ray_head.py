"""A throw-away local Ray cluster (``ray start --head`` on 127.0.0.1) for tests and benchmarks.

The head runs in a session of its own and is torn down by killing that session's process
group, so nothing else on the machine is touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class RayHeadError(RuntimeError):
    """The local Ray head could not be started."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_ray_head(cpus: int = 2, timeout: float = 120) -> Iterator[tuple[str, int]]:
    """Within: a Ray head with ``cpus`` CPUs; yields its address and the session id of its
    processes. Raises ``RayHeadError`` (with Ray's log) if it does not start in time."""
    ray_bin = shutil.which("ray", path=str(Path(sys.executable).parent))
    if ray_bin is None:
        raise RayHeadError("the ray command is installed with graftlab[ray]")
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="gr", dir="/tmp"))  # Ray's socket paths must be short
    log = temp / "head.log"
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    with open(log, "w") as f:
        head = subprocess.Popen(
            [
                ray_bin,
                "start",
                "--head",
                "--block",
                f"--port={port}",
                f"--num-cpus={cpus}",
                "--node-ip-address=127.0.0.1",
                "--include-dashboard=false",
                "--object-store-memory=100000000",
                "--disable-usage-stats",
                f"--temp-dir={temp}",
            ],
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        end = time.time() + timeout
        while "block forever" not in log.read_text():
            if head.poll() is not None or time.time() > end:
                raise RayHeadError("the Ray head did not start:\n" + log.read_text())
            time.sleep(0.5)
        yield f"127.0.0.1:{port}", head.pid
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(head.pid, sig)
            except ProcessLookupError:
                break
            time.sleep(3)
        head.wait(10)
        shutil.rmtree(temp, ignore_errors=True)

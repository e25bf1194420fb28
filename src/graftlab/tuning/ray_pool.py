"""Trials as Ray tasks on an existing Ray cluster (``graft tune --ray ADDRESS|auto``).

Each trial is one task asking for ``cpus`` CPUs (and ``gpus`` GPUs); the task runs
``run_trial`` where Ray places it and sends the result back, and the driver alone writes
the records to git. A task whose worker process dies is retried once by Ray
(``max_retries=1``); if it dies again the trial is recorded as failed and the tune goes on.
The experiment repository must be readable at the same path on every node (a shared file
system), or shipped with ``GRAFT_RAY_SHIP=1`` (Ray's ``runtime_env`` working directory).
Needs ``pip install 'graftlab[ray]'``; importing graftlab never imports Ray.
"""

from __future__ import annotations

import os
from typing import Any

from graftlab.symbolic.errors import GraftError
from graftlab.tuning.trial import failed_result


def _ray_trial(root: str, payload: dict[str, Any]) -> dict[str, Any]:
    from graftlab.tuning.trial import run_trial

    if os.environ.get("GRAFT_RAY_SHIPPED"):
        root = os.getcwd()
    return run_trial(
        root,
        payload["name"],
        payload["decisions"],
        payload["run_id"],
        seed=payload.get("seed"),
    )


class RayPool:
    """Up to ``workers`` trials at a time as Ray tasks."""

    def __init__(
        self, root: str, address: str, workers: int, cpus: float = 1, gpus: float = 0
    ) -> None:
        try:
            import ray
        except ImportError:
            raise GraftError("--ray needs Ray: pip install 'graftlab[ray]'") from None
        self.ray = ray
        self.root = root
        runtime_env: dict[str, Any] = {}
        if os.environ.get("GRAFT_RAY_SHIP") == "1":
            runtime_env = {
                "working_dir": root,
                "excludes": [".git"],
                "env_vars": {"GRAFT_RAY_SHIPPED": "1"},
            }
        try:
            ray.init(
                address=address,
                logging_level="WARNING",
                log_to_driver=False,
                ignore_reinit_error=True,
                runtime_env=runtime_env or None,
            )
        except Exception as e:
            raise GraftError(f"cannot connect to the Ray cluster at {address!r}: {e}") from None
        self.task = ray.remote(num_cpus=cpus, num_gpus=gpus, max_retries=1)(_ray_trial)
        self.size = max(1, workers)
        self.running: dict[Any, int] = {}

    @property
    def capacity(self) -> int:
        return self.size - len(self.running)

    def submit(self, payload: dict[str, Any]) -> None:
        ref = self.task.remote(self.root, payload)
        self.running[ref] = payload["trial"]

    def reply(self, trial: int, stop: bool) -> None:
        """Early stopping does not reach Ray tasks (they report at the end)."""

    def messages(self, timeout: float = 1.0) -> list[dict[str, Any]]:
        if not self.running:
            return []
        ready, _ = self.ray.wait(list(self.running), num_returns=1, timeout=timeout)
        out = []
        for ref in ready:
            trial = self.running.pop(ref)
            try:
                result = self.ray.get(ref)
                out.append({"op": "result", "trial": trial, **result})
            except Exception as e:
                out.append(failed_result(trial, type(e).__name__, str(e)))
        return out

    def close(self) -> None:
        for ref in list(self.running):
            self.ray.cancel(ref, force=True)
        self.ray.shutdown()

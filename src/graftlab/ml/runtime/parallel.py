"""Data parallelism: a 1-D mesh over every device, batches sharded along it.

Parameters and optimizer state are replicated; each batch is split over the ``data`` axis,
and XLA inserts the gradient all-reduce. With several processes (``jax.distributed``) the
mesh spans every host's devices and each process supplies its own rows of the global batch.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


class DataParallel:
    """The mesh and shardings of a data-parallel run."""

    def __init__(self, devices: list[Any] | None = None) -> None:
        devices = list(devices if devices is not None else jax.devices())
        self.mesh = Mesh(np.array(devices), ("data",))
        self.batch = NamedSharding(self.mesh, PartitionSpec("data"))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.num_devices = len(devices)
        self.process_index = jax.process_index()
        self.process_count = jax.process_count()

    def check_batch_size(self, batch_size: int) -> str | None:
        """An error message if ``batch_size`` cannot be split over the devices."""
        if batch_size % self.num_devices:
            return (
                f"batch_size={batch_size} must be a multiple of the number of devices "
                f"({self.num_devices})"
            )
        return None

    def replicate(self, tree: Any) -> Any:
        return jax.device_put(tree, self.replicated)

    def shard(self, batch: dict[str, np.ndarray]) -> dict[str, Any]:
        """Global host arrays (the same on every process) as arrays sharded over ``data``."""
        if self.process_count == 1:
            return {k: jax.device_put(v, self.batch) for k, v in batch.items()}
        out = {}
        for k, v in batch.items():
            rows = len(v) // self.process_count
            local = v[self.process_index * rows : (self.process_index + 1) * rows]
            out[k] = jax.make_array_from_process_local_data(self.batch, local, v.shape)
        return out

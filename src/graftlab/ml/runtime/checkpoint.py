"""Checkpoints of the training state with orbax, in the run's checkpoint directory.

The state (parameters, other model state, optimizer state, counters) is saved as a flat
dict of arrays; typed PRNG keys are stored as their raw key data. ``restore`` rebuilds the
state with the structure (and shardings) of a freshly initialized one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jax
import numpy as np


def _is_key(x: Any) -> bool:
    return hasattr(x, "dtype") and jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key)


def _flat(tree: Any) -> dict[str, Any]:
    leaves = jax.tree.leaves(tree)
    return {f"{i:05d}": jax.random.key_data(x) if _is_key(x) else x for i, x in enumerate(leaves)}


class Checkpoints:
    """Save and restore training states under ``directory`` (keeps the last ``keep``)."""

    def __init__(self, directory: Path, keep: int = 2) -> None:
        import orbax.checkpoint as ocp

        self._ocp = ocp
        self.manager = ocp.CheckpointManager(
            Path(directory).absolute(),
            options=ocp.CheckpointManagerOptions(
                max_to_keep=keep, create=True, enable_async_checkpointing=True
            ),
        )

    def latest_step(self) -> int | None:
        self.manager.wait_until_finished()
        return self.manager.latest_step()

    def save(self, step: int, state: Any) -> None:
        """Save ``state`` as ``step`` (replacing a checkpoint of an earlier run at that step).

        The save is asynchronous: the arrays are copied to host memory before this returns
        (so the next step may reuse their buffers), and written in the background while
        training goes on; ``close()`` waits for the last one."""
        if step in self.manager.all_steps():
            self.manager.wait_until_finished()
            self.manager.delete(step)
        self.manager.save(step, args=self._ocp.args.StandardSave(_flat(state)), force=True)

    def restore(self, step: int, like: Any) -> Any:
        """The state saved at ``step``, with the tree structure of ``like``."""
        self.manager.wait_until_finished()
        leaves, treedef = jax.tree.flatten(like)
        target = {}
        for i, x in enumerate(leaves):
            data = jax.random.key_data(x) if _is_key(x) else x
            sharding = getattr(data, "sharding", None)
            target[f"{i:05d}"] = jax.ShapeDtypeStruct(data.shape, data.dtype, sharding=sharding)
        raw = self.manager.restore(step, args=self._ocp.args.StandardRestore(target))
        out = []
        for i, x in enumerate(leaves):
            v = raw[f"{i:05d}"]
            if _is_key(x):
                v = jax.random.wrap_key_data(v, impl=jax.random.key_impl(x))
            elif isinstance(x, np.ndarray | np.generic | int | float):
                v = np.asarray(v)
            out.append(v)
        return jax.tree.unflatten(treedef, out)

    def close(self) -> None:
        """Wait for pending saves, then release the manager."""
        self.manager.wait_until_finished()
        self.manager.close()

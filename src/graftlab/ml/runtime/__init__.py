"""The training runtime (imports JAX, Flax, optax and orbax): loop, sharding, checkpoints."""

"""Data-parallel placement shared by the JAX trainers: one mesh axis over every local device.

Batches are split along their first axis ("data"); parameters and optimizer state are
replicated. With one device (the CPU default) this is a no-op, and on a multi-GPU host the
same code spreads each batch across the GPUs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jax.sharding import Mesh, NamedSharding


def data_parallel(batch_size: int) -> tuple[Mesh, NamedSharding, NamedSharding]:
    """(mesh, batch sharding, replicated sharding) over all devices; the batch must divide evenly."""
    import jax
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    devices = jax.devices()
    if batch_size % len(devices):
        raise ValueError(f"batch size {batch_size} must be a multiple of the {len(devices)} devices")
    mesh = Mesh(np.array(devices), ("data",))
    return mesh, NamedSharding(mesh, PartitionSpec("data")), NamedSharding(mesh, PartitionSpec())

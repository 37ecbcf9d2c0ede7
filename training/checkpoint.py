"""Atomic, pickle-free checkpoints of a training state (any JAX pytree of arrays).

A checkpoint is ``ckpt-<step>.npz`` holding the pytree's leaves in flatten order
(``leaf_00000``...), with ``ckpt-<step>.json`` (the run's config) beside it and
``latest.json`` naming the newest. Restoring needs a template pytree of the same structure
(the trainer builds it from the same config), so nothing in the file is ever executed.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from go_engine.atomic_io import write_atomic


def save_checkpoint(directory: str | Path, step: int, state, config_json: str, keep: int = 2) -> Path:
    import jax
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    leaves = jax.tree_util.tree_leaves(state)
    arrays = {f"leaf_{i:05d}": np.asarray(leaf) for i, leaf in enumerate(leaves)}
    path = directory / f"ckpt-{step:08d}.npz"
    write_atomic(path, lambda h: np.savez(h, **arrays))
    write_atomic(path.with_suffix(".json"), lambda h: h.write(config_json.encode()))
    write_atomic(directory / "latest.json",
                  lambda h: h.write(json.dumps({"step": step, "file": path.name}).encode()))
    old = sorted(directory.glob("ckpt-*.npz"))[:-keep] if keep > 0 else []
    for stale in old:
        stale.unlink(missing_ok=True)
        stale.with_suffix(".json").unlink(missing_ok=True)
    return path


def latest_checkpoint(directory: str | Path) -> tuple[int, Path] | None:
    pointer = Path(directory) / "latest.json"
    if not pointer.is_file():
        return None
    info = json.loads(pointer.read_text())
    path = Path(directory) / info["file"]
    if not path.is_file():
        return None
    return int(info["step"]), path


def restore_checkpoint(path: str | Path, template):
    """The template pytree with its leaves replaced by the file's (shapes and dtypes checked)."""
    import jax
    leaves, treedef = jax.tree_util.tree_flatten(template)
    with np.load(path, allow_pickle=False) as z:
        if len(z.files) != len(leaves):
            raise ValueError(f"{path}: {len(z.files)} arrays, the model expects {len(leaves)} (other architecture?)")
        loaded = []
        for i, leaf in enumerate(leaves):
            arr = z[f"leaf_{i:05d}"]
            if arr.shape != np.shape(leaf):
                raise ValueError(f"{path}: leaf {i} has shape {arr.shape}, expected {np.shape(leaf)}")
            loaded.append(arr.astype(np.asarray(leaf).dtype))
    return jax.tree_util.tree_unflatten(treedef, loaded)

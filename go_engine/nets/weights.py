"""Weight files: one .npz with the network's arrays under "/"-joined paths
(``params/conv_0/kernel``...) and the architecture as JSON under ``config_json``.
NumPy only and ``allow_pickle=False``, so a weight file can never run code when loaded."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from go_engine.atomic_io import write_atomic
from go_engine.nets.config import PolicyNetConfig
from go_engine.npz_files import NpzFileError, load_npz, require_finite
from go_engine.shipped import shipped_file



def default_policy_weights(board_size: int) -> Path:
    """The shipped weights for a board size (data/policy_<n>.npz)."""
    return shipped_file(f"policy_{board_size}.npz")


def resolve_policy_weights(spec: str | Path | None, board_size: int) -> Path:
    """A weight file from a name: None/"" or "sl" -> data/policy_<n>.npz (the SL policy),
    "rl" -> data/rl_policy_<n>.npz (the RL policy), anything else is a path."""
    if spec is None or str(spec) in ("", "sl"):
        return default_policy_weights(board_size)
    if str(spec) == "rl":
        return shipped_file(f"rl_policy_{board_size}.npz")
    return Path(spec)


def flatten_tree(tree: dict, prefix: str = "") -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(flatten_tree(value, path))
        else:
            out[path] = np.asarray(value)
    return out


def unflatten_tree(flat: dict[str, np.ndarray]) -> dict:
    tree: dict = {}
    for path, value in flat.items():
        node = tree
        parts = path.split("/")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def save_weight_file(path: str | Path, config_key: str, config_json: str, variables: dict,
                     meta: dict | None = None) -> None:
    """Write variables ({"params": ..., maybe "batch_stats": ...}) with the architecture as
    JSON under ``config_key``, atomically (``write_atomic``: a unique temporary file, fsync,
    rename). Non-finite values are refused: the file would load into a network that plays nonsense."""
    path = Path(path)
    arrays = {k: np.asarray(v, dtype=np.float32) for k, v in flatten_tree(variables).items()}
    require_finite(path, arrays, "weight")
    arrays[config_key] = np.array(config_json)
    arrays["meta_json"] = np.array(json.dumps(meta or {}))
    write_atomic(path, lambda handle: np.savez_compressed(handle, **arrays))


def load_weight_file(path: str | Path, config_key: str, kind: str) -> tuple[str, dict, dict]:
    """(config JSON, variables, meta) of a weight file whose architecture sits under
    ``config_key``; an error naming the path for a missing, damaged or foreign file, or one
    holding NaN or infinities."""
    path = Path(path)
    z = load_npz(path, f"{kind} weight")
    if config_key not in z:
        raise NpzFileError(f"{path} is not a {kind} weight file (no {config_key})")
    try:
        config_json = str(z[config_key])
        meta = json.loads(str(z["meta_json"])) if "meta_json" in z else {}
    except ValueError as e:
        raise NpzFileError(f"{path}: unreadable {kind} weight metadata ({e})") from None
    flat = {k: v for k, v in z.items() if k not in (config_key, "meta_json")}
    require_finite(path, flat, f"{kind} weight")
    return config_json, unflatten_tree(flat), meta


def save_policy_weights(path: str | Path, config: PolicyNetConfig, variables: dict, meta: dict | None = None) -> None:
    """Write a policy net's variables and config atomically."""
    save_weight_file(path, "config_json", config.to_json(), variables, meta)


def load_policy_weights(path: str | Path) -> tuple[PolicyNetConfig, dict, dict]:
    """(config, variables, meta) from a weight file; a clear error for a missing or foreign file."""
    config_json, variables, meta = load_weight_file(path, "config_json", "policy")
    return PolicyNetConfig.from_json(config_json), variables, meta


def parameter_count(variables: dict) -> int:
    return int(sum(np.size(v) for k, v in flatten_tree(variables.get("params", variables)).items()))

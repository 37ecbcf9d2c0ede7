"""The value network in Flax and its batched runner. Imports JAX: load only when used.

``ValueNetRunner(path).values(planes uint8[B, n, n, 49])`` -> float32[B] in [-1, 1], the
expected outcome for the side to move. Planes come from ``features.position_planes(pos,
n_planes=N_VALUE_PLANES)``."""
from __future__ import annotations

from pathlib import Path

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from go_engine.features.planes import N_POLICY_PLANES
from go_engine.nets.value_config import ValueNetConfig, default_value_weights, load_value_weights

SCORE_UNIT = 10.0  # score_skip reads the map's predicted score in tens of points
PLAYER_COLOUR_PLANE = N_POLICY_PLANES  # the plane the value net adds: 1 when black is to move


class PolicyTrunk(nn.Module):
    """The convolutions of a ``PolicyNet`` (plain: no residuals, no batch norm) up to its last
    feature map; parameter names match the policy's, so its weights copy over."""

    config: ValueNetConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        cfg = self.config
        k = cfg.trunk_first_kernel
        x = nn.relu(nn.Conv(cfg.trunk_filters, (k, k), padding="SAME", dtype=self.dtype, name="conv_0")(x))
        for i in range(1, cfg.trunk_layers - 1):
            x = nn.relu(nn.Conv(cfg.trunk_filters, (3, 3), padding="SAME", dtype=self.dtype, name=f"conv_{i}")(x))
        return x


def trunk_from_policy(policy_path, value_config: ValueNetConfig | None = None):
    """(config with the trunk fields of a plain policy weight file, the trunk's params)."""
    from dataclasses import replace

    from go_engine.nets.weights import load_policy_weights
    pcfg, pvars, _ = load_policy_weights(policy_path)
    if pcfg.residual or pcfg.batch_norm:
        raise ValueError(f"{policy_path}: only a plain policy trunk (no residuals, no batch norm) can be copied")
    base = value_config or ValueNetConfig(board_size=pcfg.board_size)
    if base.board_size != pcfg.board_size:
        raise ValueError(f"{policy_path} is for {pcfg.board_size}x{pcfg.board_size}, the value net for "
                         f"{base.board_size}x{base.board_size}")
    config = replace(base, trunk_layers=pcfg.layers, trunk_filters=pcfg.filters,
                     trunk_first_kernel=pcfg.first_kernel, trunk_planes=pcfg.in_planes)
    params = {f"conv_{i}": pvars["params"][f"conv_{i}"] for i in range(pcfg.layers - 1)}
    return config, params


class ValueNet(nn.Module):
    config: ValueNetConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, planes: jax.Array, train: bool = False, trunk_features: jax.Array | None = None,
                 with_map: bool = False):
        """``trunk_features``: the trunk's output when the caller already has it (the search's
        evaluator computes the policy's trunk once for both networks when they share it).
        ``with_map``: also return the 1x1 convolution's board map (float32[B, n, n]), which
        training can hold to the game's final ownership (an auxiliary target: it teaches the
        map to read territory, and the value reads the map)."""
        cfg = self.config
        x = planes.astype(self.dtype)
        if cfg.trunk_layers:
            if trunk_features is None:
                trunk_features = PolicyTrunk(cfg, self.dtype, name="trunk")(x[..., :cfg.trunk_planes])
            x = jnp.concatenate([trunk_features.astype(self.dtype), x], axis=-1)
        k = cfg.first_kernel
        x = nn.relu(nn.Conv(cfg.filters, (k, k), padding="SAME", dtype=self.dtype, name="conv_0")(x))
        for i in range(1, cfg.layers - 1):
            x = nn.relu(nn.Conv(cfg.filters, (3, 3), padding="SAME", dtype=self.dtype, name=f"conv_{i}")(x))
        # a linear 1x1 projection: a rectified single channel can die (all negative -> a
        # constant output), which happened in training, so no ReLU here
        board = nn.Conv(1, (1, 1), dtype=self.dtype, name="conv_1x1")(x)
        x = board.reshape(planes.shape[0], -1)
        x = nn.relu(nn.Dense(cfg.fc_units, dtype=self.dtype, name="fc")(x))
        v = nn.Dense(1, dtype=self.dtype, name="out")(x)
        if cfg.score_skip:
            score = jnp.tanh(board[..., 0].astype(jnp.float32)).sum(axis=(1, 2)) / SCORE_UNIT
            colour = planes[:, 0, 0, PLAYER_COLOUR_PLANE].astype(jnp.float32)
            skip = nn.Dense(1, kernel_init=nn.initializers.zeros, name="score_out")(jnp.stack([score, colour], axis=-1))
            v = v.astype(jnp.float32) + skip
        value = jnp.tanh(v[:, 0].astype(jnp.float32))
        return (value, board[..., 0].astype(jnp.float32)) if with_map else value


def init_value_variables(config: ValueNetConfig, seed: int = 0) -> dict:
    n = config.board_size
    dummy = jnp.zeros((1, n, n, config.in_planes), jnp.uint8)
    return dict(ValueNet(config).init(jax.random.PRNGKey(seed), dummy))


class ValueNetRunner:
    """A value weight file -> jitted batched evaluation (batches padded to powers of two)."""

    def __init__(self, weights: str | Path | None = None, board_size: int = 19, variables: dict | None = None,
                 config: ValueNetConfig | None = None):
        if variables is None:
            path = Path(weights) if weights else default_value_weights(board_size)
            config, variables, self.meta = load_value_weights(path)
        else:
            self.meta = {}
        assert config is not None
        self.config = config
        self.n = config.board_size
        model = ValueNet(config)
        self.variables = jax.tree_util.tree_map(jnp.asarray, variables)
        self._fn = jax.jit(lambda v, p: model.apply(v, p))

    def values(self, planes: np.ndarray, symmetries: int = 1) -> np.ndarray:
        """float32[B] from the side to move's view; ``symmetries`` > 1 averages the net over the
        first k of the square's 8 symmetries (an ensemble that costs k evaluations)."""
        if symmetries > 1:
            from go_engine.features.planes import apply_symmetry
            if symmetries > 8:
                raise ValueError("a square board has 8 symmetries")
            return np.mean([self.values(apply_symmetry(planes, k)) for k in range(symmetries)], axis=0)
        out = []
        for start in range(0, len(planes), 1024):
            chunk = planes[start:start + 1024]
            b = len(chunk)
            size = 1 << max(0, (b - 1).bit_length())
            if size > b:
                chunk = np.concatenate([chunk, np.zeros((size - b,) + chunk.shape[1:], chunk.dtype)])
            out.append(np.asarray(self._fn(self.variables, chunk))[:b])
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def position_value(self, pos, scratch=None) -> float:
        from go_engine.features.planes import N_VALUE_PLANES, position_planes
        return float(self.values(position_planes(pos, scratch, n_planes=N_VALUE_PLANES)[None])[0])

"""The SL policy network in Flax (linen). Imports JAX: load only when a network is used."""
from __future__ import annotations

import jax
import jax.numpy as jnp
import flax.linen as nn

from go_engine.nets.config import PolicyNetConfig


class PolicyNet(nn.Module):
    """Convolutions over the feature planes (NHWC) -> one logit per board point."""

    config: PolicyNetConfig
    dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, planes: jax.Array, train: bool = False) -> jax.Array:
        cfg = self.config
        x = planes.astype(self.dtype)
        k = cfg.first_kernel
        x = nn.Conv(cfg.filters, (k, k), padding="SAME", dtype=self.dtype, name="conv_0")(x)
        x = nn.relu(x)
        for i in range(1, cfg.layers - 1):
            y = nn.Conv(cfg.filters, (3, 3), padding="SAME", use_bias=not cfg.batch_norm,
                        dtype=self.dtype, name=f"conv_{i}")(x)
            if cfg.batch_norm:
                y = nn.BatchNorm(use_running_average=not train, momentum=0.9, dtype=self.dtype,
                                 name=f"bn_{i}")(y)
            y = nn.relu(y)
            x = x + y if cfg.residual else y
        logits = nn.Conv(1, (1, 1), use_bias=False, dtype=self.dtype, name="head")(x)
        n = cfg.board_size
        logits = logits.reshape(planes.shape[0], n * n).astype(jnp.float32)
        bias = self.param("point_bias", nn.initializers.zeros, (n * n,), jnp.float32)
        return logits + bias


def init_variables(config: PolicyNetConfig, seed: int = 0) -> dict:
    n = config.board_size
    model = PolicyNet(config)
    dummy = jnp.zeros((1, n, n, config.in_planes), jnp.uint8)
    return dict(model.init(jax.random.PRNGKey(seed), dummy, train=False))

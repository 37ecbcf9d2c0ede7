"""Which JAX release runs our networks fastest on this CPU? One training step (forward, backward)
and one batch-8 inference of the 19x19 policy net's shape (a 5x5 then four 3x3 convolutions of 64
filters, a 1x1 head, softmax over the points), written with ``jax.lax`` only so that the same
file runs under any JAX release in a bare virtual environment:

    python -m venv /tmp/j && /tmp/j/bin/pip install "jax==0.8.3" "jaxlib==0.8.3" numpy
    /tmp/j/bin/python benchmarks/jax_cpu_speed.py

Why it exists: on a fresh install in stop 38, pip chose JAX 0.10.2 and SL training ran at 62-69
positions/s where the same config had run at 295. This script found the release that did it,
and ``pyproject.toml`` pins JAX below 0.9 (results: ``benchmarks/results/README.md``).
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np

BOARD, PLANES, FILTERS = 19, 48, 64


def weights(rng: np.random.Generator) -> list:
    shapes = [(5, 5, PLANES, FILTERS)] + [(3, 3, FILTERS, FILTERS)] * 4 + [(1, 1, FILTERS, 1)]
    return [jnp.asarray(rng.normal(size=s) * 0.05, jnp.float32) for s in shapes]


def loss(ws: list, x: jnp.ndarray, y: jnp.ndarray) -> jnp.ndarray:
    h = x
    for i, w in enumerate(ws):
        h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        if i < len(ws) - 1:
            h = jax.nn.relu(h)
    logp = jax.nn.log_softmax(h.reshape(h.shape[0], -1))
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], 1))


def rate(fn, batch: int, seconds: float) -> float:
    jax.block_until_ready(fn())  # compile
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < seconds:
        jax.block_until_ready(fn())
        n += 1
    return batch * n / (time.perf_counter() - t)


def main() -> None:
    rng = np.random.default_rng(0)
    ws = weights(rng)
    x = jnp.asarray(rng.integers(0, 2, size=(128, BOARD, BOARD, PLANES)), jnp.float32)
    y = jnp.asarray(rng.integers(0, BOARD * BOARD, size=128))
    grad = jax.jit(jax.grad(loss))
    infer = jax.jit(loss)
    train = rate(lambda: grad(ws, x, y), 128, 6.0)
    serve = rate(lambda: infer(ws, x[:8], y[:8]), 8, 3.0)
    print(f"jax {jax.__version__}: training {train:.0f} positions/s (batch 128), "
          f"inference {serve:.0f} positions/s (batch 8)")


if __name__ == "__main__":
    main()

"""``go-engine bench net``: policy-net inference positions/s at several batch sizes and
training positions/s (one optimizer step on random planes), plus the parameter count."""
from __future__ import annotations

import time

import numpy as np


def _rate(fn, batch: int, seconds: float) -> float:
    fn()  # compile / warm up
    count, t0 = 0, time.perf_counter()
    while True:
        fn()
        count += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds and count >= 2:
            return count * batch / elapsed


def bench_net(weights: str | None = None, board_size: int = 19, batches: tuple[int, ...] = (1, 8, 64),
              train_batch: int = 64, seconds: float = 2.0) -> dict:
    import jax

    from go_engine.nets.policy_inference import PolicyNetRunner
    from go_engine.nets.weights import parameter_count

    from go_engine.training.sl import Trainer
    from go_engine.training.sl_config import SLConfig
    ev = PolicyNetRunner(weights, board_size=board_size)
    n = ev.n
    rng = np.random.default_rng(0)
    result: dict = {"weights": str(ev.path), "board_size": n, "config": ev.config.__dict__,
                    "parameters": parameter_count(ev.variables), "device": str(jax.devices()[0]),
                    "devices": len(jax.devices())}
    for b in batches:
        planes = rng.integers(0, 2, (b, n, n, 48)).astype(np.uint8)
        result[f"infer_positions_per_s_b{b}"] = round(_rate(lambda: ev.log_probs(planes), b, seconds), 1)
    c = ev.config
    cfg = SLConfig(layers=c.layers, filters=c.filters, first_kernel=c.first_kernel, residual=c.residual,
                   batch_norm=c.batch_norm, batch_size=train_batch)
    trainer = Trainer(cfg, n)
    planes = rng.integers(0, 2, (train_batch, n, n, 48)).astype(np.uint8)
    targets = rng.integers(0, n * n, train_batch).astype(np.int32)
    result[f"train_positions_per_s_b{train_batch}"] = round(
        _rate(lambda: float(trainer.step(planes, targets)[0]), train_batch, seconds), 1)
    return result

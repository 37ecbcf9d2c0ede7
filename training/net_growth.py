"""Growing a trained policy network deeper without changing what it computes (Net2Net-style).

A deeper net costs more per position, so training one from scratch on this 2-core machine throws
away the CPU-hours already spent on the shallower one. Inserting hidden 3x3 layers that start as
the identity keeps every prediction of the trained net at step 0, and training then uses the
extra depth (a wider field of view: two points per layer) from there.

Why the identity is exact: in a plain net every hidden layer's input is the output of a ReLU, so
it is never negative, and relu(identity(x)) == x. In a residual net the new layer's kernel starts
at zero instead, and x + relu(0) == x.
"""
from __future__ import annotations

import numpy as np

from go_engine.nets.config import PolicyNetConfig


def growth_difference(old: PolicyNetConfig, new: PolicyNetConfig) -> str | None:
    """None when ``new`` is ``old`` with more (or the same number of) hidden layers, else a
    sentence naming what else differs."""
    for name in ("board_size", "filters", "first_kernel", "in_planes", "residual", "batch_norm"):
        if getattr(old, name) != getattr(new, name):
            return f"{name} differs ({getattr(old, name)} -> {getattr(new, name)}); only layers may grow"
    if new.layers < old.layers:
        return f"a net cannot shrink ({old.layers} -> {new.layers} layers)"
    if new.batch_norm and new.layers > old.layers:
        return "growing a batch-normalised net is not supported"
    return None


def deepen_policy_params(params: dict, old: PolicyNetConfig, new: PolicyNetConfig) -> dict:
    """``params`` of a ``PolicyNet(old)`` -> params of a ``PolicyNet(new)`` that computes the same
    logits: the trained layers keep their names (conv_0 .. conv_{old.layers-2}, head, point_bias)
    and the new hidden layers conv_{old.layers-1} .. conv_{new.layers-2} sit between the last
    trained hidden layer and the head."""
    why = growth_difference(old, new)
    if why:
        raise ValueError(why)
    grown = {name: {k: np.array(v) for k, v in layer.items()} if isinstance(layer, dict) else np.array(layer)
             for name, layer in params.items()}
    f = new.filters
    for i in range(old.layers - 1, new.layers - 1):  # PolicyNetConfig holds layers >= 2
        kernel = np.zeros((3, 3, f, f), np.float32)
        if not new.residual:
            kernel[1, 1] = np.eye(f, dtype=np.float32)
        grown[f"conv_{i}"] = {"kernel": kernel, "bias": np.zeros(f, np.float32)}
    return grown

"""Held-out MSE of a 19x19 value net by game stage, beside 16 `nakade` playouts and the score its
ownership map reads (one position per tom9d test game with komi 7.5, as `go-engine eval value
--expert-sgf` draws them), and of the search's leaf value ``(1 - lambda) v + lambda z`` for a few
lambdas, z the mean of 4 playouts as the default player plays them per leaf:

    python benchmarks/value_by_stage.py RUN/value.npz [../shared/data/sgf19/tom9d.tar.xz]
"""
import sys

import jax
import numpy as np

from go_engine.nets.value_config import load_value_weights
from go_engine.nets.value_net import ValueNet
from go_engine.training.value_data import expert_value_set
from go_engine.training.value_eval import fast_rollout_estimates
from go_engine.rules import board_kernels as bk
W = sys.argv[1]
cfg, var, _ = load_value_weights(W)
model = ValueNet(cfg)
fn = jax.jit(lambda v, p: model.apply(v, p, with_map=True))
t = expert_value_set(sys.argv[2] if len(sys.argv) > 2 else "../shared/data/sgf19/tom9d.tar.xz", n=19, splits=("test",), komi=7.5, seed=0)
vals, scores = [], []
for s in range(0, t.size, 256):
    idx = np.arange(s, min(s + 256, t.size)); v, b = fn(var, t.planes(idx))
    vals.append(np.asarray(v)); scores.append(np.tanh(np.asarray(b)).reshape(len(idx), -1).sum(1))
v = np.concatenate(vals); sc = np.concatenate(scores) + np.where(t.to_play == bk.WHITE, 1.0, -1.0) * 7.5
def playout_means(count: int) -> np.ndarray:
    r = fast_rollout_estimates(t, "nakade", count, 7.5)
    return np.asarray(r[0] if isinstance(r, tuple) else r)


r = playout_means(16)
r4 = playout_means(4)
LAMBDAS = (0.0, 0.25, 0.5, 0.75, 1.0)
print("shapes", v.shape, r.shape)
z = t.z
bins = [0, 50, 100, 150, 200, 250, 400]
for lo, hi in zip(bins[:-1], bins[1:]):
    m = (t.plies >= lo) & (t.plies < hi)
    c = np.corrcoef(sc[m], z[m])[0, 1]
    print(f"ply {lo}-{hi} n={m.sum()} head {np.mean((v[m]-z[m])**2):.3f} pl16 {np.mean((r[m]-z[m])**2):.3f} score-corr {c:.2f} pl-corr {np.corrcoef(r[m], z[m])[0,1]:.2f} head-corr {np.corrcoef(v[m], z[m])[0,1]:.2f}")
    print("   mix with 4 playouts, lambda " + " ".join(f"{lam}: {np.mean(((1 - lam) * v[m] + lam * r4[m] - z[m]) ** 2):.3f}"
                                                   for lam in LAMBDAS))
print("all head", np.mean((v-z)**2), "pl16", np.mean((r-z)**2))

"""Paired bootstrap 95% intervals for MSE differences on the same positions (data/value_9.md):
a value net minus another net, minus 16 uniform random playouts (its equal-time rival on 9x9),
minus 4 SL-policy rollouts (first 500 positions); on held-out self-play and CGOS expert
positions. Same estimators and seeds as ``go-engine eval value``.

    python benchmarks/value_paired.py NEW.npz OLD.npz TEST_DIR OUT.json [CGOS_ARCHIVE]
"""
from __future__ import annotations

import json
import sys

import numpy as np

from go_engine.rules.conventions import DEFAULT_KOMI


def paired_ci(a: np.ndarray, b: np.ndarray, z: np.ndarray, rng: np.random.Generator,
              resamples: int = 2000) -> list[float]:
    """[MSE(a) - MSE(b), 2.5th and 97.5th percentiles over resampled positions]."""
    d = (np.asarray(a, np.float64) - z) ** 2 - (np.asarray(b, np.float64) - z) ** 2
    boots = [d[rng.integers(0, len(d), len(d))].mean() for _ in range(resamples)]
    return [float(d.mean()), float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))]


def main(new_w: str, old_w: str, test_dir: str, out_path: str,
         archive: str = "../shared/data/sgf9/cgos9.tar.xz") -> dict:
    from go_engine.nets.value_net import ValueNetRunner
    from go_engine.training.value_data import ValueSet, expert_value_set
    from go_engine.training.value_eval import fast_rollout_estimates
    from go_engine.training.value_train import rollout_estimates
    new, old = ValueNetRunner(new_w), ValueNetRunner(old_w)
    sets = {"test": ValueSet.load(test_dir), "expert": expert_value_set(archive, n=9, splits=("val", "test"))}
    rng = np.random.default_rng(0)
    out = {}
    for name, data in sets.items():
        planes = data.planes()
        v, v_old = new.values(planes), old.values(planes)
        random16, _ = fast_rollout_estimates(data, "random", 16, DEFAULT_KOMI, 0)
        sub = data.subset(np.arange(min(500, data.size)))
        sl4, _ = rollout_estimates("data/policy_9.npz", sub, 4, DEFAULT_KOMI, seed=0)
        out[name] = {"net_minus_old": paired_ci(v, v_old, data.z, rng),
                     "net_minus_random16": paired_ci(v, random16, data.z, rng),
                     "net_minus_sl4": paired_ci(v[:sub.size], sl4, sub.z, rng),
                     "sl4_mse": float(np.mean((sl4 - sub.z) ** 2)), "sl4_positions": sub.size}
        print(name, out[name], flush=True)
    with open(out_path, "w") as handle:
        json.dump(out, handle, indent=2)
    return out


if __name__ == "__main__":
    main(*sys.argv[1:])

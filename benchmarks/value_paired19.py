"""Paired bootstrap 95% intervals on the 19x19 value bar (issue #24): a value net, alone and
averaged over the 8 board symmetries, against the constant and 16 ``nakade`` playouts, on one
position per held-out tom9d test game recorded with komi 7.5 (the positions, seeds and playouts
of ``go-engine eval value --expert-sgf ... --expert-splits test --expert-same-komi --kinds nakade``).

    python benchmarks/value_paired19.py VALUE.npz OUT.json [../shared/data/sgf19/tom9d.tar.xz]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from value_paired import paired_ci  # noqa: E402


def main(weights: str, out_path: str, archive: str = "../shared/data/sgf19/tom9d.tar.xz") -> dict:
    from go_engine.nets.value_net import ValueNetRunner
    from go_engine.training.value_data import expert_value_set
    from go_engine.training.value_eval import fast_rollout_estimates
    from go_engine.training.value_train import mse
    data = expert_value_set(archive, n=19, splits=("test",), komi=7.5, seed=0)
    runner = ValueNetRunner(weights)
    planes = data.planes()
    z = data.z.astype(np.float64)
    predictors = {"net": runner.values(planes), "net_8_symmetries": runner.values(planes, 8),
                  "nakade_16": np.asarray(fast_rollout_estimates(data, "nakade", 16, 7.5, 0)[0]),
                  "constant": np.full(data.size, 0.0001)}
    rng = np.random.default_rng(0)
    out = {"weights": weights, "positions": data.size,
           "mse": {k: mse(v, z) for k, v in predictors.items()},
           "paired": {f"{a} - {b}": paired_ci(predictors[a], predictors[b], z, rng)
                      for a in ("net", "net_8_symmetries") for b in ("nakade_16", "constant")}}
    Path(out_path).write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:]), indent=2))

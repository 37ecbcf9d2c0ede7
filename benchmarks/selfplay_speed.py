"""Games per hour of the value-data self-play recipe (SL policy, one random move, RL policy to
the end) in one process, with the installed go_engine. The release before the installed layout
(c780dfc) had the same function at ``training.value_data``; measure it side by side with

    git worktree add /tmp/before c780dfc
    cd /tmp/before && PYTHONPATH=/tmp/before python -c "import sys; sys.argv[1:] = ['9', '64']; \
        exec(open('/path/to/main/benchmarks/selfplay_speed.py').read().replace('go_engine.training.', 'training.'))"

The batch is played twice and the second timed: the first pays for compiling the networks.
"""
from __future__ import annotations

import json
import sys
import tempfile

from go_engine.nets.weights import resolve_policy_weights
from go_engine.training.value_data import generate_value_data


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    games = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    sl, rl = resolve_policy_weights("sl", n), resolve_policy_weights("rl", n)
    rl = rl if rl.exists() else sl
    for seed in (0, 1):
        with tempfile.TemporaryDirectory() as out:
            summary = generate_value_data(str(sl), str(rl), games, out, n=n, batch=games, progress=False, seed=seed)
    print(json.dumps({"size": n, "games": summary["games"],
                      "games_per_hour": round(summary["games_per_hour"]), "moves": summary["moves"],
                      "wall_s": round(summary["wall_s"], 2)}))


if __name__ == "__main__":
    main()

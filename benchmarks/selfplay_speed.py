"""Games per hour of the value-data self-play recipe (SL policy, one random move, RL policy to
the end) in one process, with the installed go_engine. The release before the installed layout
(c780dfc) had the same function at ``training.value_data``; measure it side by side with

    git worktree add /tmp/before c780dfc
    cd /tmp/before && PYTHONPATH=/tmp/before python -c "import sys; sys.argv[1:] = ['9', '1024', '64']; \
        exec(open('/path/to/main/benchmarks/selfplay_speed.py').read().replace('go_engine.training.', 'training.'))"

Usage: ``selfplay_speed.py SIZE [GAMES [BATCH]]`` (default 1024 games at the release's default
batch). Up to 320 games are played first, untimed, to compile the networks.
"""
from __future__ import annotations

import json
import sys
import tempfile

from go_engine.nets.weights import resolve_policy_weights
from go_engine.training.value_data import generate_value_data


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    games = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    batch = {"batch": int(sys.argv[3])} if len(sys.argv) > 3 else {}  # default: the release's own
    sl, rl = resolve_policy_weights("sl", n), resolve_policy_weights("rl", n)
    rl = rl if rl.exists() else sl
    for seed in (0, 1):
        with tempfile.TemporaryDirectory() as out:
            summary = generate_value_data(str(sl), str(rl), games if seed else min(games, 320), out, n=n, progress=False,
                                          seed=seed, **batch)
    print(json.dumps({"size": n, "games": summary["games"], **batch,
                      "games_per_hour": round(summary["games_per_hour"]), "moves": summary["moves"],
                      "wall_s": round(summary["wall_s"], 2)}))


if __name__ == "__main__":
    main()

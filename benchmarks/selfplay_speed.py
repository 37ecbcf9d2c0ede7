"""Games per hour of the value-data self-play recipe (SL policy, one random move, RL policy to
the end) in one process, or on W local Ray actors (``--workers W``), with the installed
go_engine. The release before the installed layout (c780dfc) had the same function at
``training.value_data``; measure it side by side with

    git worktree add /tmp/before c780dfc
    cd /tmp/before && PYTHONPATH=/tmp/before python -c "import sys; sys.argv[1:] = ['9', '1024', '64']; \
        exec(open('/path/to/main/benchmarks/selfplay_speed.py').read().replace('go_engine.training.', 'training.'))"

Usage: ``selfplay_speed.py SIZE [GAMES [BATCH]] [--workers W] [--threads T]`` (default 1024
games at the release's default batch; ``--threads``: network threads per process, default 2
in one process and 1 per Ray actor). A warm-up run (seed 0) is played first, untimed, to
compile the networks: up to 320 games, and with W actors at least a full batch for each, so
the timed run (seed 1) meets no new batch shape. With ``--workers`` the actors (and the Ray
instance, ``num_cpus=W``) are started before the warm-up and kept for the timed run.
"""
from __future__ import annotations

import argparse
import json
import tempfile

from go_engine.nets.weights import resolve_policy_weights
from go_engine.training.value_data import generate_value_data


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("size", type=int, nargs="?", default=9)
    ap.add_argument("games", type=int, nargs="?", default=1024)
    ap.add_argument("batch", type=int, nargs="?", default=None, help="default: the release's own")
    ap.add_argument("--workers", type=int, default=0, help="Ray actors (0: this process)")
    ap.add_argument("--threads", type=int, default=None, help="network threads per process")
    args = ap.parse_args()
    n, games = args.size, args.games
    batch = {"batch": args.batch} if args.batch else {}
    threads = {"threads": args.threads} if args.threads else {}
    sl, rl = resolve_policy_weights("sl", n), resolve_policy_weights("rl", n)
    rl = rl if rl.exists() else sl
    if args.workers > 0:
        from go_engine.training.distributed import init_ray
        from go_engine.training.value_ray import ValueDataPool
        init_ray(None, args.workers)
        pool = ValueDataPool(args.workers)
        warm = min(games, max(320, args.workers * batch.get("batch", 256)))

        def play(seed: int, count: int, out: str) -> dict:
            return pool.run(str(sl), str(rl), count, out, n=n, seed=seed, progress=False, **batch, **threads)
    else:
        pool, warm = None, min(games, 320)

        def play(seed: int, count: int, out: str) -> dict:
            return generate_value_data(str(sl), str(rl), count, out, n=n, progress=False, seed=seed, **batch,
                                       **threads)
    try:
        for seed in (0, 1):
            with tempfile.TemporaryDirectory() as out:
                summary = play(seed, games if seed else warm, out)
    finally:
        if pool is not None:
            pool.shutdown()
    print(json.dumps({"size": n, "games": summary["games"], **batch, "workers": args.workers,
                      "threads": summary.get("threads", summary.get("threads_per_worker")),
                      "games_per_hour": round(summary["games_per_hour"]), "moves": summary["moves"],
                      "wall_s": round(summary["wall_s"], 2)}))


if __name__ == "__main__":
    main()

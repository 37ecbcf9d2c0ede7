"""The default player's first move on an empty board with ``time_settings 0 5 1``'s budget (4.55 s,
used in full): simulations per second and CPU over wall. It imports whichever go_engine is first on
the path, in the current layout or the one before it (c780dfc), so a release can be compared with
main in the same session:

    git worktree add /tmp/before c780dfc
    (cd /tmp/before && PYTHONPATH=/tmp/before python /path/to/main/benchmarks/default_player_speed.py 9)
    python benchmarks/default_player_speed.py 9
    python benchmarks/default_player_speed.py 9 expand_threshold=2   # a search option, KEY=JSON
"""
from __future__ import annotations

import json
import sys
import time

try:  # the layered layout
    from go_engine.players.alphago import AlphaGoPlayer
    from go_engine.players.protocol import TimeBudget
    from go_engine.rules.game import Game
    LAYOUT = "layered"
except ImportError:  # the flat layout before it
    from go_engine.game import Game
    from go_engine.nets.alphago_player import AlphaGoPlayer
    from go_engine.player import TimeBudget
    LAYOUT = "flat"

BUDGET = 5.0 * 0.95 - 0.2  # what the time manager gives a move under time_settings 0 5 1


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    extra = {k: json.loads(v) for k, v in (a.split("=", 1) for a in sys.argv[2:])}
    player = AlphaGoPlayer(extra=extra) if extra else AlphaGoPlayer()
    game = Game(n, 7.5)
    player.new_game(game)  # kernels and networks compiled off the clock, as GTP does
    c0, t0 = time.process_time(), time.perf_counter()
    player.genmove(game, 1, TimeBudget(BUDGET, use_all=True))
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    result = player.last_result
    print(json.dumps({"layout": LAYOUT, "size": n, "options": extra, "sims_per_s": round(result.simulations / result.seconds),
                      "cpu_per_wall": round(cpu / wall, 2)}))


if __name__ == "__main__":
    main()

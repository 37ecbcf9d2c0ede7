"""Uniform random playouts side by side with Pachi's light playouts, on equal terms.

Pachi's ``montecarlo`` engine (what ``go-engine bench all --pachi`` times) ends a playout when the
game reaches 400 moves. Timed after two opening moves, 99.95% of its 19x19 light playouts stop
there, at 398 moves, unfinished; ours end by two passes at about 455 moves. So this prints, for
each side, playouts/s and moves/s both at Pachi's cap and played out to the end:

- ours with the engine's cap (``playout_move_cap``) and with a 398-move cap;
- Pachi with its default ``gamelen=400`` and with ``gamelen`` = our cap (games end by passes).

Pachi's moves per playout are constants measured once with a Pachi build that printed the game
length at the end of each playout (2,000 playouts each, 19x19, after ``play b c3``, ``play w g7``):
398.0 at ``gamelen=400`` and 473.6 with no cap (it allows multi-stone suicide and picks the first
playable point after a random start in its free-point list, so its games run longer than ours).

Usage: ``random_vs_pachi.py [--pachi PATH] [--size 19] [--seconds 3]``; one JSON object out.
"""
from __future__ import annotations

import argparse
import json

from go_engine.bench import bench_random
from go_engine.rules.conventions import playout_move_cap

PACHI_GAMELEN = 400
PACHI_START_MOVES = 2   # the two opening moves ``_pachi_genmove`` plays before timing
PACHI_MOVES_PER_PLAYOUT_19 = {"capped": 398.0, "full": 473.6}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pachi", default=None, help="Pachi binary (../shared/anchors/build-pachi.sh)")
    ap.add_argument("--size", type=int, default=19)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    n = args.size
    out: dict = {}
    for name, cap in (("full", None), ("capped", PACHI_GAMELEN - PACHI_START_MOVES)):
        r = bench_random(n, seconds=args.seconds, max_moves=cap)
        out[f"ours_{name}"] = {k: r[k] for k in ("max_moves", "playouts_per_s", "moves_per_s", "moves_per_playout",
                                                 "playouts_per_cpu_s")}
    if args.pachi:
        from go_engine.training.bench_all import pachi_light_speed
        for name, gamelen, count in (("capped", PACHI_GAMELEN, 20000), ("full", playout_move_cap(n), 10000)):
            rate = pachi_light_speed(args.pachi, n, count if n > 9 else 4 * count, gamelen)
            row = {"gamelen": gamelen, "playouts_per_s": round(rate, 1)}
            if n == 19:
                row["moves_per_playout"] = PACHI_MOVES_PER_PLAYOUT_19[name]
                row["moves_per_s"] = round(rate * PACHI_MOVES_PER_PLAYOUT_19[name], 1)
            out[f"pachi_{name}"] = row
        for name in ("capped", "full"):
            out[f"ratio_playouts_{name}"] = round(out[f"ours_{name}"]["playouts_per_s"]
                                                  / out[f"pachi_{name}"]["playouts_per_s"], 3)
            if "moves_per_s" in out[f"pachi_{name}"]:
                out[f"ratio_moves_{name}"] = round(out[f"ours_{name}"]["moves_per_s"]
                                                   / out[f"pachi_{name}"]["moves_per_s"], 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

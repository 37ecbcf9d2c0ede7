"""Seconds per move of ``go-engine review`` on a whole game, after the player has loaded (its
networks compiled, its kernels loaded), at a given visit budget (default: the CLI's).

    python benchmarks/review_speed.py GAME.sgf [VISITS] [PLAYER]

Prints one JSON object: moves, visits, wall seconds of the review pass, seconds per move, and
the mean search seconds per searched position (the tree kept from the previous move counts
towards the visits, so a search often tops up rather than starting afresh).
"""
from __future__ import annotations

import json
import os
import sys
import time


def main(path: str, visits: int | None = None, player_name: str = "alphago") -> dict:
    from go_engine.players.position_analysis import AnalysisBudget
    from go_engine.players.registry import PlayerOptions, make_player
    from go_engine.review.cli import DEFAULT_VISITS
    from go_engine.review.game_review import review_record, start_of
    from go_engine.rules.sgf import iter_sgf_texts, read_moves

    source, index, text = next(iter(iter_sgf_texts([path])))
    record = read_moves(text, source, index)
    budget = AnalysisBudget(visits=visits or DEFAULT_VISITS)
    player = make_player(player_name, PlayerOptions())
    player.new_game(start_of(record))  # load and compile outside the measured pass
    t0 = time.perf_counter()
    review = review_record(record, player, budget, engine=player_name)
    wall = time.perf_counter() - t0
    return {"game": path, "size": record.size, "moves": len(record.moves), "visits": budget.visits,
            "player": player_name, "wall_s": round(wall, 2),
            "s_per_move": round(wall / max(1, len(record.moves)), 3),
            "search_s_per_position": round(review.seconds_per_position(), 3),
            "load_average_1min": round(os.getloadavg()[0], 2)}


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args:
        raise SystemExit(__doc__)
    print(json.dumps(main(args[0], int(args[1]) if len(args) > 1 else None, args[2] if len(args) > 2 else "alphago")))

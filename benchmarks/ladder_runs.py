"""Does the default player still run caught ladders? For each of our moves in a match folder's
games that ran a chain in atari into a ladder its ladder plane reads as caught, replay the game to
that position and let the player (``go-engine gtp``'s default, with ``--option`` settings) search it.

    python benchmarks/ladder_runs.py benchmarks/results/pachi_19x19_2s --playouts 3000 [--option prune_ladder_runs=false]

Prints, per such move, the move played in the game and the move the player chooses now.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from go_engine.features.planes import P_CAPTURE, P_LADDER_ESCAPE, P_LIBS_AFTER, position_planes
from go_engine.players.options import option_types, parse_option
from go_engine.players.policy import joins_chain_in_atari
from go_engine.players.protocol import TimeBudget
from go_engine.rules.coords import point_to_vertex
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK
from go_engine.rules.sgf import read_moves


def runs_into_caught_ladder(game: Game, point: int, color: int) -> bool:
    pos = game.position.copy()
    pos.to_play = color
    r, c = divmod(point, game.n)
    x = position_planes(pos)[r, c]
    return bool(x[P_CAPTURE] and x[P_LIBS_AFTER + 1] and not x[P_LADDER_ESCAPE]
                and joins_chain_in_atari(pos, point, color))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--playouts", type=int, default=3000)
    ap.add_argument("--option", action="append", default=[], help="KEY=VALUE, as go-engine gtp --option")
    args = ap.parse_args()
    from go_engine.players.alphago import AlphaGoPlayer
    types = option_types()
    extra = {k: parse_option(k, v, types[k]) for k, v in (o.split("=", 1) for o in args.option)}
    player = AlphaGoPlayer(seed=1, playouts=args.playouts, extra=extra)
    folder = Path(args.folder)
    found = kept = 0
    for line in (folder / "results.jsonl").read_text().splitlines():
        r = json.loads(line)
        ours = BLACK if r["engine_color"] == "black" else 3 - BLACK
        rec = read_moves((folder / f"game_{r['index']:04d}.sgf").read_bytes())
        game = Game(rec.size, komi=rec.komi)
        for k, (color, point) in enumerate(rec.moves, start=1):
            if color == ours and point < game.n * game.n and runs_into_caught_ladder(game, point, color):
                player.new_game(game)
                move = player.genmove(game, color, TimeBudget())
                found += 1
                kept += move == point
                now = "resign" if move < 0 else point_to_vertex(move, game.n)
                print(f"game {r['index']} move {k}: played {point_to_vertex(point, game.n)}, now {now}", flush=True)
            game.play(point, color, superko=False)
    print(f"{found} ladder runs in the games; the player now repeats {kept} of them")


if __name__ == "__main__":
    main()

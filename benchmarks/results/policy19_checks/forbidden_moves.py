"""Which of the engine's moves in a match folder the policy player's rules of 9afd2e6 forbid:
filling its own settled territory (``OwnTerritory.fills``), and ``blunder`` (a self-atari of
2+ stones capturing nothing, a run from atari into a ladder read as caught).

    python benchmarks/results/policy19_checks/forbidden_moves.py benchmarks/results/policy19_gnugo10_cec05d6
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from go_engine.features.planes import position_planes
from go_engine.players.policy import OwnTerritory, blunder
from go_engine.rules.coords import point_to_vertex
from go_engine.rules.game import Game
from go_engine.rules.sgf import read_moves


def main(folder: Path) -> None:
    totals = {"moves": 0, "fills": 0, "blunders": 0}
    for line in open(folder / "results.jsonl"):
        row = json.loads(line)
        rec = read_moves((folder / row["sgf"]).read_bytes())
        n = rec.size
        me = 1 if row["engine_color"] == "black" else 2
        game = Game(n, rec.komi)
        fills, blunders = [], []
        for k, (color, point) in enumerate(rec.moves):
            if color == me and point < n * n:
                pos = game.position.copy()
                pos.to_play = color
                planes = position_planes(pos)
                tag = f"{k + 1}{point_to_vertex(point, n)}"
                if blunder(game.position, point, color, planes):
                    blunders.append(tag)
                elif OwnTerritory(game.position, color).fills(point, planes):
                    fills.append(tag)
                totals["moves"] += 1
            game.play(point, color)
        totals["fills"] += len(fills)
        totals["blunders"] += len(blunders)
        print(f"{row['sgf']} engine {row['engine_color']} {row['result']}: own-territory fills {len(fills)} "
              f"{' '.join(fills)}; blunders {len(blunders)} {' '.join(blunders)}")
    print(totals)


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""The weakest player: uniformly random legal moves (a baseline and a test opponent)."""
from __future__ import annotations

import numpy as np

from go_engine.playouts.uniform import pick_random_move
from go_engine.players.protocol import TimeBudget
from go_engine.rules import board_kernels as bk
from go_engine.rules.game import Game


class RandomPlayer:
    """Uniformly random legal move that does not fill its own eye; passes when none is left."""

    name = "random"

    def __init__(self, seed: int = 0):
        mixed = (seed * 0x9E3779B97F4A7C15 + 7) % 2**64 or 1  # xorshift state must be nonzero
        self._state = np.array([mixed], dtype=np.uint64)

    def new_game(self, game: Game) -> None:
        pass

    def genmove(self, game: Game, color: int, budget: TimeBudget) -> int:
        pos = game.position.copy()
        n = game.n
        loc = int(pick_random_move(pos.color, pos.links, pos.info, self._state, color))
        if loc == bk.PASS_LOC:
            return n * n
        point = int(pos.l2p[loc])
        if game.position.is_legal(point, color):  # superko, which playouts ignore
            return point
        return self._fallback(game, color)

    def _fallback(self, game: Game, color: int) -> int:
        """Random choice among fully checked legal non-eye points (rare: superko conflicts)."""
        n = game.n
        pos = game.position
        w = n + 2
        cands = [p for p in range(n * n)
                 if pos.is_legal(p, color) and not bk.is_eye(pos.color, w, int(pos.p2l[p]), color)]
        if not cands:
            return n * n
        return cands[int(np.random.default_rng(int(self._state[0] & np.uint64(0xFFFFFFFF))).integers(len(cands)))]

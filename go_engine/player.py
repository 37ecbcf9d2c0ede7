"""The ``Player`` interface that GTP and the match runner talk to, and the simplest player.

A player chooses a move for a ``Game``; the front end owns the game and plays the move.
Search and network players (``go_engine.search``, ``go_engine.nets``) implement the same
interface, so ``gtp`` never knows which one it drives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from . import board_kernels as bk
from .game import Game
from .playout import pick_random_move


@dataclass(frozen=True)
class TimeBudget:
    """Seconds this move may take (None: the player's own default, e.g. a fixed playout count)."""

    seconds: float | None = None
    use_all: bool = False   # time left unspent is lost (byo-yomi of one move): do not stop early


RESIGN = -1  # a player returns this point to resign


class Player(Protocol):
    name: str

    def genmove(self, game: Game, color: int, budget: TimeBudget) -> int:
        """Return a legal point for ``color`` (n*n = pass) or RESIGN. Must not modify ``game``."""
        ...

    def new_game(self, game: Game) -> None:
        """Forget per-game state (search trees, ponder results)."""
        ...


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

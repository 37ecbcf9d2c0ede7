"""The ``Player`` interface that GTP and the match runner talk to.

A player chooses a move for a ``Game``; the front end owns the game and plays the move.
Every player in this package implements it, so ``gtp`` never knows which one it drives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from go_engine.rules.game import Game


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

"""The interfaces that GTP, the match runner and analysis tools talk to.

A player chooses a move for a ``Game``; the front end owns the game and plays the move.
``Player`` is what every player offers. ``SearchPlayer`` adds what only a tree search can
offer (cleanup moves, live analysis, the search behind the last move); a front end asks
``isinstance(player, SearchPlayer)`` once and then calls methods it can see.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # the rules and the search load Numba; the protocol only names their types
    from go_engine.rules.game import Game
    from go_engine.search.mcts import MCTS, ProgressCallback, SearchResult


@dataclass(frozen=True)
class TimeBudget:
    """Seconds this move may take (None: the player's own default, e.g. a fixed playout count)."""

    seconds: float | None = None
    use_all: bool = False   # time left unspent is lost (byo-yomi of one move): do not stop early
    max_seconds: float | None = None  # the most an unclear move may take, past ``seconds``, when the
    #                                   clock banks time (``TimeManager.ceiling``); None: never more


RESIGN = -1  # a player returns this point to resign


class Player(Protocol):
    name: str

    def genmove(self, game: Game, color: int, budget: TimeBudget) -> int:
        """Return a legal point for ``color`` (n*n = pass) or RESIGN. Must not modify ``game``."""
        ...

    def new_game(self, game: Game) -> None:
        """Forget per-game state (search trees, ponder results)."""
        ...


@runtime_checkable
class SearchPlayer(Player, Protocol):
    """A player backed by an ``MCTS``: what GTP's analysis commands, pondering,
    ``kgs-genmove_cleanup`` and ``go-engine-last_analysis`` use. Search players subclass it,
    so ``isinstance`` holds on every Python version without probing attributes."""

    last_result: SearchResult | None  # the search behind the last genmove; None before the
    # first or when a move needed no search; a new object for every search
    mcts: MCTS                         # the search of the board size in play (tree, ownership)

    def genmove(self, game: Game, color: int, budget: TimeBudget, *,
                on_progress: ProgressCallback | None = None, progress_interval: float = 1.0) -> int:
        """``Player.genmove``, calling ``on_progress(result)`` every ``progress_interval``
        seconds while it searches (``genmove_analyze``)."""
        ...

    def genmove_cleanup(self, game: Game, color: int, budget: TimeBudget) -> int:
        """``kgs-genmove_cleanup``: like genmove, but capture every dead opponent stone
        before passing."""
        ...

    def analyze(self, game: Game, color: int, should_stop: Callable[[], bool],
                on_progress: ProgressCallback | None = None,
                interval: float = 1.0) -> SearchResult | None:
        """Search with ``color`` to move until ``should_stop()`` (GUI analysis, pondering),
        keeping the tree for the next genmove; None when the game is over."""
        ...

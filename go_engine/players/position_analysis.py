"""One position analysed by a search player, for tools that review games rather than play them
(``go-engine review``, the JSON analysis protocol).

The budget is KataGo's: ``visits`` counts the root's visits *including* those the tree kept
from the previous search, so walking a game forward position by position reuses the subtree of
the move played (``MCTS.sync``) and only tops it up. A finished game (two passes) is not
searched: its win rate is the area score's verdict.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from go_engine.players.alphago import AlphaGoPlayer
from go_engine.players.mcts import MCTSPlayer
from go_engine.players.ownership import estimate_ownership
from go_engine.players.protocol import Player
from go_engine.rules.game import Game
from go_engine.rules import board_kernels as bk
from go_engine.rules.position import BLACK, WHITE
from go_engine.search.mcts import ChildStats
from go_engine.search.root_stats import root_winrate

OWNERSHIP_PLAYOUTS = 256  # playouts of the ownership estimate (as GTP final_status_list)
MIN_SIMULATIONS = 16  # a search adds at least one batch, even when the kept tree has the visits


@dataclass(frozen=True)
class AnalysisBudget:
    """How much search one position gets: root visits (reused ones count), seconds, or both
    (whichever ends first)."""

    visits: int | None = None
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.visits is None and self.seconds is None:
            raise ValueError("an analysis budget needs visits or seconds")
        if self.visits is not None and self.visits < 1:
            raise ValueError(f"visits must be at least 1, got {self.visits}")
        if self.seconds is not None and not (self.seconds > 0 and math.isfinite(self.seconds)):
            raise ValueError(f"seconds must be a positive number, got {self.seconds}")


@dataclass
class PositionAnalysis:
    """What one search found. Win rates are for ``to_play``, in [0, 1]."""

    n: int
    to_play: int
    winrate: float                    # the root's value (visit-weighted over its children)
    root_visits: int
    simulations: int                  # added by this search (root_visits - reused)
    seconds: float
    children: list[ChildStats] = field(default_factory=list)  # by visits, each with its pv
    terminal: bool = False            # the game was over: no search, winrate from the score
    interrupted: bool = False         # ``should_stop`` ended the search early
    ownership: np.ndarray | None = None  # float[n*n], +1 black, row 0 = top line (playout estimate)
    priors: np.ndarray | None = None     # float[n*n+1], the root's priors, -1 off the tree

    @property
    def best(self) -> ChildStats | None:
        return self.children[0] if self.children else None

    @property
    def pv(self) -> list[int]:
        best = self.best
        return list(best.pv) if best is not None else []


def search_player_for(player: Player, n: int) -> MCTSPlayer:
    """The ``MCTSPlayer`` that searches n x n boards for ``player`` (the AlphaGo player keeps
    one per size); TypeError for a player without a search (random, policy, rollout)."""
    if isinstance(player, AlphaGoPlayer):
        player = player.player_for(n)
    if not isinstance(player, MCTSPlayer):
        raise TypeError(f"the {player.name} player has no search to analyse with (use alphago or mcts)")
    return player


def analyze_position(player: Player, game: Game, budget: AnalysisBudget, *,
                     should_stop: Callable[[], bool] | None = None,
                     ownership: bool = False, priors: bool = False) -> PositionAnalysis:
    """Search ``game``'s current position with ``player``'s search (side to move:
    ``game.to_play``) within ``budget``; ``should_stop()`` ends it early (polled after every
    chunk of simulations)."""
    searcher = search_player_for(player, game.n)
    n = game.n
    if game.is_over:
        score = game.score()
        black_wins = 0.5 if score == 0 else float(score > 0)
        winrate = black_wins if game.to_play == BLACK else 1.0 - black_wins
        return PositionAnalysis(n, game.to_play, winrate, 0, 0, 0.0, terminal=True,
                                ownership=area_ownership(game) if ownership else None,
                                priors=np.full(n * n + 1, -1.0) if priors else None)
    mcts = searcher.mcts
    simulations = None
    if budget.visits is not None:
        mcts.sync(game)  # the kept subtree's visits count towards the budget
        simulations = max(MIN_SIMULATIONS, budget.visits - mcts.root_visits())
    result = mcts.search(game, simulations=simulations, seconds=budget.seconds, stop_early=False,
                         should_stop=should_stop, with_pvs=True)
    analysis = PositionAnalysis(n, game.to_play, root_winrate(result.children), result.root_visits,
                                result.simulations, result.seconds, children=result.children,
                                interrupted=result.interrupted)
    if ownership:
        # the nakade-playout estimator behind final_status_list: its shares are exact fractions
        # of its own playouts, where the search's playout tally also counts collided leaves
        analysis.ownership = estimate_ownership(game.position, OWNERSHIP_PLAYOUTS).balance()
    if priors:
        analysis.priors = root_priors(result.children, n)
    return analysis


def area_ownership(game: Game) -> np.ndarray:
    """float[n*n] (+1 black, -1 white, 0 dame): a finished game's owners as it stands, stones
    and the empty regions only one colour reaches (Tromp-Taylor)."""
    n = game.n
    owner = np.zeros((n + 2) * (n + 2), np.int8)
    bk.area_owner(game.position.color, n, owner)
    board = owner.reshape(n + 2, n + 2)[1:-1, 1:-1].ravel()
    return np.where(board == BLACK, 1.0, np.where(board == WHITE, -1.0, 0.0))


def root_priors(children: list[ChildStats], n: int) -> np.ndarray:
    """float[n*n+1] (pass last): the priors the search gave the root's moves, normalised to sum
    to 1; -1 for the moves the tree does not hold (illegal ones, and own-eye fills, which the
    search never considers)."""
    out = np.full(n * n + 1, -1.0)
    total = sum(c.prior for c in children)
    for c in children:
        out[c.point] = c.prior / total if total > 0 else 1.0 / len(children)
    return out

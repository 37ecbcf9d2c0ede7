"""The review pass: every position of a game's main line searched once, in order, so that each
search starts from the subtree the previous one kept for the move played.

A move's win rates are for the player who made it: *before* is the root value of the position
it was played in, *after* is one minus the root value of the position it led to (the opponent
to move). Its loss is ``before - after``, floored at 0: the search is noisy, and a move cannot
be better than the best one. The position after the last move is searched too (or scored, when
two passes ended the game), so the last move has an *after*.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from go_engine.players.position_analysis import AnalysisBudget, PositionAnalysis, analyze_position
from go_engine.rules.coords import point_to_vertex
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK
from go_engine.rules.sgf import MoveRecord, record_to_game

# Win-rate losses that make a move a blunder, a mistake or an inaccuracy (KaTrain and Lizzie
# draw similar bands; these are round numbers, not tuned).
BLUNDER, MISTAKE, INACCURACY = 0.20, 0.10, 0.05
ONLY_MOVE_GAP = 0.10  # the best move is "the only move" when the next best is this much worse


def color_letter(color: int) -> str:
    return "B" if color == BLACK else "W"


def for_color(winrate: float, to_play: int, color: int) -> float:
    """A win rate for ``to_play`` seen by ``color``."""
    return winrate if to_play == color else 1.0 - winrate


@dataclass
class MoveReview:
    number: int            # 1 for the first move
    color: int
    point: int             # n*n: pass
    before: PositionAnalysis
    after: PositionAnalysis

    @property
    def winrate_before(self) -> float:
        return for_color(self.before.winrate, self.before.to_play, self.color)

    @property
    def winrate_after(self) -> float:
        return for_color(self.after.winrate, self.after.to_play, self.color)

    @property
    def loss(self) -> float:
        return max(0.0, self.winrate_before - self.winrate_after)

    @property
    def best_point(self) -> int | None:
        best = self.before.best
        return None if best is None or self.before.to_play != self.color else best.point

    @property
    def best_winrate(self) -> float | None:
        best = self.before.best
        return None if self.best_point is None else best.winrate

    @property
    def played_best(self) -> bool:
        return self.best_point == self.point

    @property
    def only_move(self) -> bool:
        """The move played was the search's choice and every other was much worse."""
        children = [c for c in self.before.children if c.visits > 0]
        return (self.played_best and len(children) >= 2
                and children[0].winrate - max(c.winrate for c in children[1:]) >= ONLY_MOVE_GAP)

    @property
    def judgement(self) -> str | None:
        if self.loss >= BLUNDER:
            return "blunder"
        if self.loss >= MISTAKE:
            return "mistake"
        if self.loss >= INACCURACY:
            return "inaccuracy"
        return None

    def vertex(self) -> str:
        return point_to_vertex(self.point, self.before.n)


@dataclass
class GameReview:
    record: MoveRecord
    budget: AnalysisBudget
    engine: str
    positions: list[PositionAnalysis] = field(default_factory=list)  # before move 1 .. after the last
    moves: list[MoveReview] = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.record.size

    def black_winrates(self) -> list[float]:
        """Black's win rate at each position, move 0 (the start) to the last."""
        return [for_color(p.winrate, p.to_play, BLACK) for p in self.positions]

    def seconds_per_position(self) -> float:
        searched = [p for p in self.positions if not p.terminal]
        return sum(p.seconds for p in searched) / len(searched) if searched else 0.0


def start_of(record: MoveRecord) -> Game:
    """The game's position before its first move (setup stones, handicap, side to move)."""
    return record_to_game(dataclasses.replace(record, moves=()))


def review_record(record: MoveRecord, player: Any, budget: AnalysisBudget, *, engine: str = "",
                  on_position: Callable[[int], None] | None = None) -> GameReview:
    """Search every position of ``record``'s main line with ``player``'s search.

    The whole record is replayed first, so an illegal move raises ``SGFError`` (naming the
    source and the move) before any search runs. ``on_position(k)`` is called after position k
    (0 = the start) has been searched: a progress bar's tick.
    """
    record_to_game(record)  # legality of every move, with the file and move in the error
    game = start_of(record)
    player.new_game(game)  # a fresh tree, and the kernels (and networks) loaded for the size
    review = GameReview(record, budget, engine)
    review.positions.append(analyze_position(player, game, budget))
    if on_position is not None:
        on_position(0)
    for k, (color, point) in enumerate(record.moves, start=1):
        game.play(point, color)
        review.positions.append(analyze_position(player, game, budget))
        review.moves.append(MoveReview(k, color, point, review.positions[-2], review.positions[-1]))
        if on_position is not None:
            on_position(k)
    return review

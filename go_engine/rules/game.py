"""``Game``: a position with its move record, komi, handicap, undo and end-of-game rules.

Rules are area scoring (Tromp-Taylor) with positional superko, the rules GNU Go plays with
``--chinese-rules --positional-superko``. Two consecutive passes end the game.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from go_engine.rules.position import BLACK, WHITE, IllegalMove, Position

DEFAULT_KOMI = 7.5


@dataclass(frozen=True)
class Move:
    color: int
    point: int  # n*n is a pass


def max_fixed_handicap(n: int) -> int:
    """Most stones ``fixed_handicap`` accepts on an n x n board (the GTP table)."""
    if n < 7:
        return 0
    if n == 7 or n % 2 == 0:
        return 4
    return 9


def fixed_handicap_points(n: int, stones: int) -> list[int]:
    """The GTP specification's handicap points, in placement order; ValueError if not allowed."""
    if not 2 <= stones <= max_fixed_handicap(n):
        raise ValueError(f"invalid handicap {stones} for a {n}x{n} board")
    low = 3 if n >= 13 else 2
    high = n - 1 - low
    mid = n // 2
    # (column, row from the bottom)
    order = [(low, low), (high, high), (low, high), (high, low)]
    if stones >= 6:
        order += [(low, mid), (high, mid)]
    if stones >= 8:
        order += [(mid, low), (mid, high)]
    if stones % 2 == 1 and stones >= 5:
        order.append((mid, mid))
    order = order[:stones]
    return [(n - 1 - y) * n + x for x, y in order]


@dataclass
class Game:
    """A game record with undo. ``position`` is the current position."""

    n: int = 19
    komi: float = DEFAULT_KOMI
    position: Position = field(init=False)
    moves: list[Move] = field(default_factory=list, init=False)
    handicap: list[int] = field(default_factory=list, init=False)
    _undo: list[Position] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        self.position = Position(self.n)

    # --- setup ---------------------------------------------------------------------------------
    def clear(self) -> None:
        self.position = Position(self.n)
        self.moves.clear()
        self.handicap.clear()
        self._undo.clear()

    def set_handicap(self, points: list[int]) -> None:
        """Place black handicap stones on an empty board; white moves next."""
        if self.moves or self.handicap or self.position.stones(BLACK) or self.position.stones(WHITE):
            raise ValueError("board not empty")
        if len(points) < 2 or len(set(points)) != len(points):
            raise ValueError("handicap needs at least two distinct points")
        if len(points) >= self.n * self.n:
            raise ValueError("too many handicap stones")
        trial = Position(self.n)
        for p in points:
            trial.place_setup_stone(p, BLACK)
        trial.to_play = WHITE
        self.position = trial
        self.handicap = list(points)

    def set_fixed_handicap(self, stones: int) -> list[int]:
        points = fixed_handicap_points(self.n, stones)
        self.set_handicap(points)
        return points

    def free_handicap_points(self, stones: int) -> list[int]:
        """Points this engine chooses for ``place_free_handicap``: the fixed pattern where it
        exists, then the empty points farthest from existing stones (Chebyshev distance)."""
        if stones < 2 or stones >= self.n * self.n:
            raise ValueError(f"invalid handicap {stones}")
        chosen = fixed_handicap_points(self.n, min(stones, max_fixed_handicap(self.n))) \
            if max_fixed_handicap(self.n) >= 2 else []
        n = self.n
        while len(chosen) < stones:
            best, best_d = -1, -1.0
            for p in range(n * n):
                if p in chosen:
                    continue
                r, c = divmod(p, n)
                d = min((max(abs(r - q // n), abs(c - q % n)) for q in chosen), default=n)
                edge = min(r, c, n - 1 - r, n - 1 - c)
                score = d + 0.1 * min(edge, 3)
                if score > best_d:
                    best, best_d = p, score
            chosen.append(best)
        return chosen

    # --- moves -------------------------------------------------------------------------------
    @property
    def to_play(self) -> int:
        return self.position.to_play

    @property
    def pass_point(self) -> int:
        return self.n * self.n

    @property
    def is_over(self) -> bool:
        return self.position.passes >= 2

    def play(self, point: int, color: int | None = None) -> None:
        """Play for ``color`` (default: side to move); IllegalMove leaves the game unchanged."""
        color = self.to_play if color is None else color
        before = self.position.copy()
        self.position.play(point, color)
        self._undo.append(before)
        self.moves.append(Move(color, point))

    def undo(self) -> None:
        if not self._undo:
            raise IndexError("no move to undo")
        self.position = self._undo.pop()
        self.moves.pop()

    def score(self) -> float:
        """Tromp-Taylor area score minus komi: positive means black wins."""
        return self.position.area_score(self.komi)

    def result_string(self) -> str:
        s = self.score()
        if s == 0:
            return "0"
        return f"B+{s:g}" if s > 0 else f"W+{-s:g}"

    def is_legal(self, point: int, color: int | None = None) -> bool:
        return self.position.is_legal(point, color)


__all__ = ["Game", "Move", "IllegalMove", "fixed_handicap_points", "max_fixed_handicap", "BLACK", "WHITE"]

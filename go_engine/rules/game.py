"""``Game``: a position with its move record, komi, handicap, undo and end-of-game rules.

Rules are area scoring (Tromp-Taylor) with positional superko, the rules GNU Go plays with
``--chinese-rules --positional-superko``. Two consecutive passes end the game.

Undo keeps, per move, only what the move changed: the ``info`` scalars before it and the
(cell, old value) pairs of ``color`` and ``links`` that differ after it (the stone, its
neighbours' counts, captured stones, merged chains). A pass changes no cell. Memory is
therefore linear in game length, and the hash history that positional superko needs is the
``Position``'s own array (one uint64 per move). ``MAX_GAME_MOVES`` caps a game, so that no
record (an SGF of a million passes, a controller playing forever) can exhaust memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from go_engine.rules.conventions import DEFAULT_KOMI
from go_engine.rules.position import BLACK, WHITE, IllegalMove, Position

MAX_GAME_MOVES = 50_000  # about 25 times the longest 25x25 game a match allows (3 * n * n)


class GameTooLong(ValueError):
    """A move past ``MAX_GAME_MOVES``: the game is refused rather than grown without bound."""


class UndoLog:
    """Per-move undo records in flat, growing arrays (no per-move Python objects).

    ``info[k]`` is the ``info`` array before move k; the changed cells of move k are
    ``cells[start[k]:start[k + 1]]`` with their old ``values``: a cell index below
    ``links.size`` is ``links.flat[index]``, above it ``color[index - links.size]``.
    """

    def __init__(self, ni: int):
        self.count = 0
        self.info = np.zeros((16, ni), dtype=np.int64)
        self.start = np.zeros(17, dtype=np.int64)
        self.cells = np.zeros(64, dtype=np.int32)
        self.values = np.zeros(64, dtype=np.int32)

    def clear(self) -> None:
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def push(self, info_before: np.ndarray, cells: np.ndarray, values: np.ndarray) -> None:
        k = self.count
        if k + 1 >= len(self.info):
            self.info = np.concatenate([self.info, np.zeros_like(self.info)])
            self.start = np.concatenate([self.start, np.zeros(len(self.start) - 1, dtype=np.int64)])
        lo = int(self.start[k])
        hi = lo + len(cells)
        if hi > len(self.cells):
            grow = max(hi, 2 * len(self.cells))
            self.cells = np.concatenate([self.cells, np.zeros(grow - len(self.cells), dtype=np.int32)])
            self.values = np.concatenate([self.values, np.zeros(grow - len(self.values), dtype=np.int32)])
        self.info[k] = info_before
        self.cells[lo:hi] = cells
        self.values[lo:hi] = values
        self.start[k + 1] = hi
        self.count = k + 1

    def pop_into(self, position: Position) -> None:
        """Restore ``position`` to before the last recorded move."""
        k = self.count - 1
        lo, hi = int(self.start[k]), int(self.start[k + 1])
        cells, values = self.cells[lo:hi], self.values[lo:hi]
        split = position.links.size
        in_links = cells < split
        position.links.reshape(-1)[cells[in_links]] = values[in_links]
        position.color[cells[~in_links] - split] = values[~in_links]
        position.info[:] = self.info[k]
        self.count = k

    @property
    def nbytes(self) -> int:
        return self.info.nbytes + self.start.nbytes + self.cells.nbytes + self.values.nbytes


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
    """A game record with undo. ``position`` is the current position; replace it only while
    no move is recorded (``set_handicap`` does), since the undo log refers to its arrays."""

    n: int = 19
    komi: float = DEFAULT_KOMI
    position: Position = field(init=False)
    moves: list[Move] = field(default_factory=list, init=False)
    handicap: list[int] = field(default_factory=list, init=False)
    _undo: UndoLog = field(init=False, repr=False)
    _start: Position | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.position = Position(self.n)
        self._undo = UndoLog(len(self.position.info))

    # --- setup ---------------------------------------------------------------------------------
    def clear(self) -> None:
        self.position = Position(self.n)
        self.moves.clear()
        self.handicap.clear()
        self._undo.clear()
        self._start = None

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

    def play(self, point: int, color: int | None = None, superko: bool = True) -> None:
        """Play for ``color`` (default: side to move); IllegalMove (or GameTooLong past
        ``MAX_GAME_MOVES``) leaves the game unchanged. ``superko=False`` accepts a repeated
        position (replaying a record made under other rules)."""
        if len(self.moves) >= MAX_GAME_MOVES:
            raise GameTooLong(f"game too long: at most {MAX_GAME_MOVES} moves per game")
        color = self.to_play if color is None else color
        pos = self.position
        if len(self.moves) != self._undo.count:
            raise RuntimeError("the undo log does not match the move list")
        if not self.moves:
            self._start = pos.copy()
        info_before = pos.info.copy()
        if point == self.n * self.n:
            pos.play(point, color, superko=superko)
            cells = values = np.zeros(0, dtype=np.int32)
        else:
            links_before = pos.links.reshape(-1).copy()
            color_before = pos.color.copy()
            pos.play(point, color, superko=superko)
            changed_links = np.flatnonzero(links_before != pos.links.reshape(-1))
            changed_color = np.flatnonzero(color_before != pos.color)
            cells = np.concatenate([changed_links, changed_color + links_before.size]).astype(np.int32)
            values = np.concatenate([links_before[changed_links],
                                     color_before[changed_color].astype(np.int32)])
        self._undo.push(info_before, cells, values)
        self.moves.append(Move(color, point))

    def undo(self) -> None:
        if not self.moves:
            raise IndexError("no move to undo")
        self._undo.pop_into(self.position)
        self.moves.pop()

    @property
    def start_position(self) -> Position:
        """The position before the first move (setup and handicap stones included)."""
        if not self.moves or self._start is None:
            return self.position.copy()
        return self._start.copy()

    @property
    def undo_depth(self) -> int:
        """Moves that ``undo`` can take back (always ``len(moves)``)."""
        return self._undo.count

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


__all__ = ["Game", "GameTooLong", "MAX_GAME_MOVES", "Move", "IllegalMove", "fixed_handicap_points", "max_fixed_handicap", "BLACK", "WHITE"]

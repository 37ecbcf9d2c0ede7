"""``Position``: a thin Python owner of the board arrays, with ASCII rendering and parsing.

All rules live in ``board_kernels``; this class only allocates, copies and converts.
Moves are given as *points* (0..n*n-1, pass = n*n; see ``coords``).
"""
from __future__ import annotations

import numpy as np

from go_engine.rules import board_kernels as bk
from go_engine.rules.coords import GTP_COLUMNS, MAX_SIZE, MIN_SIZE, loc_to_point_table, point_to_loc_table

EMPTY, BLACK, WHITE = bk.EMPTY, bk.BLACK, bk.WHITE
ZOBRIST = bk.make_zobrist()


class IllegalMove(ValueError):
    """A move the rules forbid; ``status`` is a ``board_kernels`` status code."""

    def __init__(self, message: str, status: int = bk.OFF_BOARD):
        super().__init__(message)
        self.status = status


def color_name(c: int) -> str:
    return "black" if c == BLACK else "white"


def parse_color(text: str) -> int:
    t = text.strip().lower()
    if t in ("b", "black"):
        return BLACK
    if t in ("w", "white"):
        return WHITE
    raise ValueError(f"invalid color {text!r}")


class Position:
    """One board position plus the hash history that positional superko needs."""

    __slots__ = ("n", "color", "links", "info", "hashes", "p2l", "l2p")

    def __init__(self, n: int = 19):
        if not MIN_SIZE <= n <= MAX_SIZE:
            raise ValueError(f"board size must be between {MIN_SIZE} and {MAX_SIZE}, got {n}")
        self.n = n
        cells = (n + 2) * (n + 2)
        self.color = np.empty(cells, dtype=np.int8)
        self.links = np.empty((bk.NF, cells), dtype=np.int32)
        self.info = np.zeros(bk.NI, dtype=np.int64)
        bk.init_board(self.color, self.links, self.info, n)
        self.hashes = np.zeros(64, dtype=np.uint64)  # hashes[ply] = board hash after ply moves
        self.p2l = point_to_loc_table(n)
        self.l2p = loc_to_point_table(n)

    # --- state -------------------------------------------------------------------------
    @property
    def to_play(self) -> int:
        return int(self.info[bk.I_TO_PLAY])

    @to_play.setter
    def to_play(self, c: int) -> None:
        self.info[bk.I_TO_PLAY] = c

    @property
    def ply(self) -> int:
        return int(self.info[bk.I_PLY])

    @property
    def passes(self) -> int:
        return int(self.info[bk.I_PASSES])

    @property
    def hash(self) -> int:
        return int(self.hashes[self.ply])

    @property
    def ko_point(self) -> int | None:
        ko = int(self.info[bk.I_KO])
        return None if ko == bk.NO_LOC else int(self.l2p[ko])

    @property
    def captures(self) -> tuple[int, int]:
        """Stones captured (by black, by white)."""
        return int(self.info[bk.I_CAPS_B]), int(self.info[bk.I_CAPS_W])

    @property
    def last_move(self) -> int | None:
        last = int(self.info[bk.I_LAST])
        if last == bk.NO_LOC:
            return None
        return self.n * self.n if last == bk.PASS_LOC else int(self.l2p[last])

    def copy(self) -> "Position":
        other = Position.__new__(Position)
        other.n = self.n
        other.color = self.color.copy()
        other.links = self.links.copy()
        other.info = self.info.copy()
        other.hashes = self.hashes.copy()
        other.p2l = self.p2l
        other.l2p = self.l2p
        return other

    def board(self) -> np.ndarray:
        """int8[n, n] of EMPTY/BLACK/WHITE, row 0 at the top."""
        w = self.n + 2
        return self.color.reshape(w, w)[1:-1, 1:-1].copy()

    def stones(self, c: int) -> list[int]:
        return [int(p) for p in np.flatnonzero(self.board().ravel() == c)]

    # --- moves ---------------------------------------------------------------------------
    def legal_status(self, point: int, c: int | None = None, superko: bool = True) -> int:
        c = self.to_play if c is None else c
        if not 0 <= point <= self.n * self.n:
            return bk.OFF_BOARD
        nhist = self.ply + 1 if superko else 0
        return int(bk.legal_status(self.color, self.links, self.info, ZOBRIST, self.hashes, nhist,
                                   int(self.p2l[point]), c))

    def is_legal(self, point: int, c: int | None = None, superko: bool = True) -> bool:
        return self.legal_status(point, c, superko) == bk.LEGAL

    def play(self, point: int, c: int | None = None, superko: bool = True) -> None:
        """Play a move for c (default: side to move); raise IllegalMove and change nothing if illegal."""
        c = self.to_play if c is None else c
        status = self.legal_status(point, c, superko)
        if status != bk.LEGAL:
            raise IllegalMove(f"illegal move ({bk.STATUS_TEXT[status]})", status)
        self._play_unchecked(point, c)

    def _play_unchecked(self, point: int, c: int) -> None:
        ply = self.ply
        if ply + 2 > len(self.hashes):
            self.hashes = np.concatenate([self.hashes, np.zeros(len(self.hashes), dtype=np.uint64)])
        h = self.hashes[ply]
        if point == self.n * self.n:
            bk.play_pass(self.info, c)
        else:
            h = bk.place_stone(self.color, self.links, self.info, ZOBRIST, h, int(self.p2l[point]), c)
        self.hashes[ply + 1] = h

    def place_setup_stone(self, point: int, c: int) -> None:
        """Put a handicap/setup stone without counting a move. It may not capture; a stone
        without liberties is only caught by ``check_consistency`` (``from_ascii`` relies on that)."""
        if not 0 <= point < self.n * self.n:
            raise IllegalMove("setup stone off the board")
        loc = int(self.p2l[point])
        if self.color[loc] != EMPTY:
            raise IllegalMove("setup stone on an occupied point", bk.OCCUPIED)
        w = self.n + 2
        for nb in (loc - 1, loc + 1, loc - w, loc + w):
            if self.color[nb] == 3 - c and self.links[bk.LIBS, self.links[bk.HEAD, nb]] == 1:
                raise IllegalMove("setup stone would capture")
        saved = self.info.copy()
        ply = self.ply
        h = bk.place_stone(self.color, self.links, self.info, ZOBRIST, self.hashes[ply], loc, c)
        # a setup stone is not a move: only the empty count changes in info
        nempty = self.info[bk.I_NEMPTY]
        self.info[:] = saved
        self.info[bk.I_NEMPTY] = nempty
        self.links[bk.AGE, loc] = -1
        self.hashes[ply] = h

    def legal_points(self, c: int | None = None, superko: bool = True) -> np.ndarray:
        """bool[n*n + 1] legality mask (pass always legal)."""
        c = self.to_play if c is None else c
        mask = np.zeros(self.n * self.n + 1, dtype=bool)
        for p in range(self.n * self.n):
            mask[p] = self.legal_status(p, c, superko) == bk.LEGAL
        mask[-1] = True
        return mask

    def area_score(self, komi: float = 0.0, view: int = BLACK) -> float:
        """Tromp-Taylor area score from ``view``'s side: positive when that side wins."""
        score = float(bk.area_score(self.color, self.n, komi))
        return score if view == BLACK else -score

    def check_consistency(self) -> None:
        code = bk.check_links(self.color, self.links, self.info)
        if code:
            raise AssertionError(f"board bookkeeping broken (code {code})\n{self.to_ascii()}")
        if bk.board_hash(self.color, ZOBRIST) != self.hashes[self.ply]:
            raise AssertionError("hash out of date")

    # --- ASCII -----------------------------------------------------------------------------
    def to_ascii(self, coordinates: bool = True) -> str:
        n = self.n
        board = self.board()
        cols = " ".join(GTP_COLUMNS[:n])
        lines = [f"   {cols}"] if coordinates else []
        last = self.last_move
        for r in range(n):
            cells = []
            for c in range(n):
                v = board[r, c]
                ch = "X" if v == BLACK else ("O" if v == WHITE else ".")
                cells.append(ch)
            row = " ".join(cells)
            if coordinates:
                lines.append(f"{n - r:2d} {row} {n - r:<2d}".rstrip())
            else:
                lines.append(row)
        if coordinates:
            lines.append(f"   {cols}")
            b, w = self.captures
            to_play = "X" if self.to_play == BLACK else "O"
            lines.append(f"to play: {to_play}  captured by X: {b}  by O: {w}"
                         + (f"  last: {last}" if last is not None else ""))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_ascii()

    @classmethod
    def from_ascii(cls, text: str, to_play: int = BLACK) -> "Position":
        """Parse a board drawn with X (black), O (white), and . or + (empty).

        Coordinate labels around the board are ignored, so ``to_ascii`` output parses back.
        Stones are placed as setup (no captures; every chain must have a liberty).
        """
        rows = []
        for line in text.strip("\n").splitlines():
            body = line.split("to play:")[0]
            tokens = [t for t in body.split() if not t.isdigit()]
            cells = "".join(tokens)
            # column-letter headers contain letters other than X/O and are skipped
            if cells and all(ch in "XxOo.+#@" for ch in cells):
                rows.append(cells)
        if not rows:
            raise ValueError("no board rows found")
        n = len(rows)
        if any(len(r) != n for r in rows):
            raise ValueError(f"board is not square: {[len(r) for r in rows]}")
        pos = cls(n)
        for r, cells in enumerate(rows):
            for c, ch in enumerate(cells):
                if ch in "Xx#":
                    pos.place_setup_stone(r * n + c, BLACK)
                elif ch in "Oo@":
                    pos.place_setup_stone(r * n + c, WHITE)
        pos.to_play = to_play
        code = bk.check_links(pos.color, pos.links, pos.info)
        if code:
            raise ValueError(f"board has a chain without liberties (code {code})")
        return pos

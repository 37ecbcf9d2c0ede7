"""AlphaGo's input planes (Silver et al. 2016, Extended Data Table 2), computed in Numba.

48 planes for the policy network, from the view of the side to move, in this order:

| planes | name                | meaning (one-hot planes count 1, 2, ..., >= 8 unless noted)      |
|--------|---------------------|------------------------------------------------------------------|
| 0-2    | stone colour        | own stone / opponent stone / empty                               |
| 3      | ones                | constant 1 (marks the board inside the zero padding)             |
| 4-11   | turns since         | stones: moves since placed (last move = 1; setup stones >= 8)    |
| 12-19  | liberties           | stones: liberties of their chain                                 |
| 20-27  | capture size        | legal moves: opponent stones captured, 0, 1, ..., >= 7           |
| 28-35  | self-atari size     | legal moves leaving own chain in atari: its size, 1, ..., >= 8   |
| 36-43  | liberties after     | legal moves: liberties of the moved chain after the move         |
| 44     | ladder capture      | the move ataris a chain that is then caught in a ladder          |
| 45     | ladder escape       | the move at the liberty of an own chain in atari escapes the ladder |
| 46     | sensibleness        | legal and does not fill an own eye (``board_kernels.is_eye``)    |
| 47     | zeros               | constant 0                                                        |
| 48     | player colour       | value net only: 1 when black is to move                          |

Layout is NHWC (``uint8[B, n, n, F]``), the layout JAX convolutions want. "Legal" here is
legality under simple ko; superko is left to the search, as in AlphaGo.

Positions come either from board arrays (``position_planes``) or from stored move
sequences that are replayed in Numba (``replay_planes``: the training loader's path).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.features.ladder import MAX_LADDER_DEPTH, ladder_caught

EMPTY, BLACK, WHITE = bk.EMPTY, bk.BLACK, bk.WHITE
HEAD, NEXT, LIBS, SIZE, AGE = bk.HEAD, bk.NEXT, bk.LIBS, bk.SIZE, bk.AGE

P_OWN, P_OPP, P_EMPTY, P_ONES = 0, 1, 2, 3
P_TURNS, P_LIBS, P_CAPTURE, P_SELF_ATARI, P_LIBS_AFTER = 4, 12, 20, 28, 36
P_LADDER_CAPTURE, P_LADDER_ESCAPE, P_SENSIBLE, P_ZEROS, P_PLAYER_COLOR = 44, 45, 46, 47, 48
N_POLICY_PLANES = 48
N_VALUE_PLANES = 49
PLANE_NAMES = (
    ["own", "opponent", "empty", "ones"] + [f"turns_since_{k}" for k in range(1, 9)]
    + [f"liberties_{k}" for k in range(1, 9)] + [f"capture_size_{k}" for k in range(8)]
    + [f"self_atari_size_{k}" for k in range(1, 9)] + [f"liberties_after_{k}" for k in range(1, 9)]
    + ["ladder_capture", "ladder_escape", "sensibleness", "zeros", "player_color"])


class FeatureScratch:
    """Work arrays reused between calls (ladder stack and marks), one per board size and thread."""

    __slots__ = ("n", "color", "links", "info", "st_color", "st_links", "st_info", "budget", "marks")

    def __init__(self, n: int, ladder_depth: int = MAX_LADDER_DEPTH):
        cells = (n + 2) * (n + 2)
        self.n = n
        self.color = np.empty(cells, dtype=np.int8)
        self.links = np.empty((bk.NF, cells), dtype=np.int32)
        self.info = np.zeros(bk.NI, dtype=np.int64)
        self.st_color = np.empty((ladder_depth, cells), dtype=np.int8)
        self.st_links = np.empty((ladder_depth, bk.NF, cells), dtype=np.int32)
        self.st_info = np.empty((ladder_depth, bk.NI), dtype=np.int64)
        self.budget = np.zeros(1, dtype=np.int64)
        self.marks = np.zeros((3, cells), dtype=np.int64)


@njit(cache=True, nogil=True)
def move_effect(color, links, w, loc, c, marks, gen):
    """(stones captured, liberties of the moved chain, its size) if c plays legal ``loc``,
    computed without playing. ``marks`` int64[3, A] hold generation stamps; gen must be
    larger than every stamp in them (the caller increments it per call)."""
    cap_mark = marks[0]
    lib_mark = marks[1]
    head_mark = marks[2]
    opp = 3 - c
    captured = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == opp:
            hd = links[HEAD, nb]
            if links[LIBS, hd] == 1 and head_mark[hd] != gen:
                head_mark[hd] = gen
                captured += links[SIZE, hd]
                s = hd
                while True:
                    cap_mark[s] = gen
                    s = links[NEXT, s]
                    if s == hd:
                        break
    libs = 0
    size = 1
    lib_mark[loc] = gen
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if (color[nb] == EMPTY or cap_mark[nb] == gen) and lib_mark[nb] != gen:
            lib_mark[nb] = gen
            libs += 1
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == c:
            hd = links[HEAD, nb]
            if head_mark[hd] != gen:
                head_mark[hd] = gen
                size += links[SIZE, hd]
                s = hd
                while True:
                    for e in (s - 1, s + 1, s - w, s + w):
                        if (color[e] == EMPTY or cap_mark[e] == gen) and lib_mark[e] != gen:
                            lib_mark[e] = gen
                            libs += 1
                    s = links[NEXT, s]
                    if s == hd:
                        break
    return captured, libs, size


@njit(cache=True, nogil=True)
def fill_planes(color, links, info, zob, st_color, st_links, st_info, budget, marks, out, ladders):
    """Write the planes of the position (side to move = info[I_TO_PLAY]) into out[n, n, F]
    (F = 48 or 49; out must be zeroed). ``ladders`` False skips the two ladder planes."""
    n = info[bk.I_N]
    w = n + 2
    me = info[bk.I_TO_PLAY]
    opp = 3 - me
    ply = info[bk.I_PLY]
    nplanes = out.shape[2]
    gen = marks[0].max() + 1
    gen = max(gen, marks[1].max() + 1)
    gen = max(gen, marks[2].max() + 1)
    for r in range(n):
        for cc in range(n):
            loc = (r + 1) * w + cc + 1
            o = out[r, cc]
            o[P_ONES] = 1
            if nplanes > P_PLAYER_COLOR and me == BLACK:
                o[P_PLAYER_COLOR] = 1
            col = color[loc]
            if col != EMPTY:
                o[P_OWN if col == me else P_OPP] = 1
                age = links[AGE, loc]
                since = ply - age if age >= 0 else 8
                o[P_TURNS + min(max(since, 1), 8) - 1] = 1
                o[P_LIBS + min(links[LIBS, links[HEAD, loc]], 8) - 1] = 1
                continue
            o[P_EMPTY] = 1
            if loc == info[bk.I_KO] and me == info[bk.I_KO_COLOR]:
                continue
            if bk.is_suicide(color, links, w, loc, me):
                continue
            captured, libs, size = move_effect(color, links, w, loc, me, marks, gen)
            gen += 1
            o[P_CAPTURE + min(captured, 7)] = 1
            if libs == 1:
                o[P_SELF_ATARI + min(size, 8) - 1] = 1
            o[P_LIBS_AFTER + min(libs, 8) - 1] = 1
            if not bk.is_eye(color, w, loc, me):
                o[P_SENSIBLE] = 1
            if not ladders:
                continue
            # ladder capture: an atari on a two-liberty opponent chain that then cannot run
            # ladder escape: extending an own chain in atari out of the ladder
            for nb in (loc - 1, loc + 1, loc - w, loc + w):
                cn = color[nb]
                if cn == opp and o[P_LADDER_CAPTURE] == 0:
                    if links[LIBS, links[HEAD, nb]] == 2:
                        st_color[0, :] = color
                        st_links[0, :, :] = links
                        st_info[0, :] = info
                        bk.place_stone(st_color[0], st_links[0], st_info[0], zob, np.uint64(0), loc, me)
                        if ladder_caught(st_color[0], st_links[0], st_info[0], zob, st_color, st_links,
                                         st_info, budget, nb, True):
                            o[P_LADDER_CAPTURE] = 1
                elif cn == me and o[P_LADDER_ESCAPE] == 0:
                    if links[LIBS, links[HEAD, nb]] == 1:
                        if libs >= 3:
                            o[P_LADDER_ESCAPE] = 1
                        elif libs == 2:
                            st_color[0, :] = color
                            st_links[0, :, :] = links
                            st_info[0, :] = info
                            bk.place_stone(st_color[0], st_links[0], st_info[0], zob, np.uint64(0), loc, me)
                            if not ladder_caught(st_color[0], st_links[0], st_info[0], zob, st_color,
                                                 st_links, st_info, budget, nb, False):
                                o[P_LADDER_ESCAPE] = 1
    return gen


@njit(cache=True, nogil=True)
def replay(color, links, info, zob, moves, start, count):
    """Set the arrays to the position after the first ``count`` moves at moves[start:].

    Moves are encoded as in the shards: point p for black, -(p + 1) for white, pass = n*n."""
    n = info[bk.I_N]
    bk.init_board(color, links, info, n)
    w = n + 2
    for k in range(count):
        m = moves[start + k]
        c = BLACK
        if m < 0:
            m = -m - 1
            c = WHITE
        if m == n * n:
            bk.play_pass(info, c)
        else:
            loc = (m // n + 1) * w + m % n + 1
            if color[loc] != EMPTY:
                return False
            bk.place_stone(color, links, info, zob, np.uint64(0), loc, c)
    return True


@njit(cache=True, nogil=True)
def replay_planes(moves, starts, counts, to_play, n, zob, color, links, info, st_color, st_links,
                  st_info, budget, marks, out, ladders):
    """For each b: replay counts[b] moves from moves[starts[b]:], set the side to move to
    to_play[b], and write the planes into out[b] (zeroed here). Returns the number of
    positions whose replay failed (their planes are left zero)."""
    failed = 0
    for b in range(out.shape[0]):
        out[b, :, :, :] = 0
        info[bk.I_N] = n
        if not replay(color, links, info, zob, moves, starts[b], counts[b]):
            failed += 1
            continue
        info[bk.I_TO_PLAY] = to_play[b]
        fill_planes(color, links, info, zob, st_color, st_links, st_info, budget, marks, out[b], ladders)
    return failed


def position_planes(pos, scratch: FeatureScratch | None = None, n_planes: int = N_POLICY_PLANES,
                    ladders: bool = True) -> np.ndarray:
    """uint8[n, n, n_planes] for a ``Position`` with its side to move."""
    from go_engine.rules.position import ZOBRIST
    scratch = scratch or FeatureScratch(pos.n)
    out = np.zeros((pos.n, pos.n, n_planes), dtype=np.uint8)
    fill_planes(pos.color, pos.links, pos.info, ZOBRIST, scratch.st_color, scratch.st_links,
                scratch.st_info, scratch.budget, scratch.marks, out, ladders)
    return out


def encode_moves(moves, n: int) -> np.ndarray:
    """int16 codes of (color, point) moves: point for black, -(point + 1) for white."""
    return np.array([m.point if m.color == BLACK else -(m.point + 1) for m in moves], dtype=np.int16)


def batch_planes_from_moves(moves: np.ndarray, starts: np.ndarray, counts: np.ndarray,
                            to_play: np.ndarray, n: int, scratch: FeatureScratch | None = None,
                            n_planes: int = N_POLICY_PLANES, ladders: bool = True) -> np.ndarray:
    """uint8[B, n, n, F]: planes of B positions given as prefixes of encoded move sequences."""
    from go_engine.rules.position import ZOBRIST
    scratch = scratch or FeatureScratch(n)
    out = np.zeros((len(starts), n, n, n_planes), dtype=np.uint8)
    failed = replay_planes(moves, starts.astype(np.int64), counts.astype(np.int64),
                           to_play.astype(np.int64), n, ZOBRIST, scratch.color, scratch.links,
                           scratch.info, scratch.st_color, scratch.st_links, scratch.st_info,
                           scratch.budget, scratch.marks, out, ladders)
    if failed:
        raise ValueError(f"{failed} positions could not be replayed (stone on an occupied point)")
    return out


# --- the 8 symmetries of the square -------------------------------------------------------

def symmetry_point_maps(n: int) -> np.ndarray:
    """int32[8, n*n + 1]: new point of each old point under ``apply_symmetry(., k)``; pass stays."""
    grid = np.arange(n * n).reshape(n, n)
    maps = np.empty((8, n * n + 1), dtype=np.int32)
    for k in range(8):
        moved = _transform(grid, k).ravel()  # moved[new] = old
        maps[k, moved] = np.arange(n * n)
        maps[k, n * n] = n * n
    return maps


def _transform(a: np.ndarray, k: int, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    a = np.rot90(a, k % 4, axes=axes)
    if k >= 4:
        a = np.swapaxes(a, *axes)
    return a


def apply_symmetry(planes: np.ndarray, k: int) -> np.ndarray:
    """Symmetry k (0..7: rotation by k%4 quarter turns, then a transpose when k >= 4) of
    planes shaped [..., n, n, F] (the last two spatial axes are -3 and -2)."""
    return np.ascontiguousarray(_transform(planes, k, axes=(planes.ndim - 3, planes.ndim - 2)))


def inverse_symmetry(k: int) -> int:
    """The k' with apply_symmetry(apply_symmetry(x, k), k') == x."""
    if k >= 4:
        return k  # a reflection is its own inverse
    return (4 - k) % 4

"""Uniform random playouts in Numba: the baseline Monte Carlo evaluator.

A playout plays uniformly random legal moves that do not fill the mover's own eye
(``board_kernels.is_eye``), with simple ko only (positional superko is checked in the tree,
not in playouts, as every MCTS engine does), until two passes or a move limit, then counts
the board by Tromp-Taylor. The kernels work in place on the arrays they are given: copy first
(``drivers.playout_batch`` runs many playouts of any kind from one position, for the benchmarks).

Speed: the move loop is one machine-code function. The helpers here are inlined
(``inline="always"``) together with ``board_kernels.place_stone_inline``, and the loop works
on ``board_kernels.borrow``-ed arrays, so no reference-count update is left per move
(they were about a third of the time of a move before).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk


@njit(cache=True, nogil=True, inline="always")
def xorshift_next(state):
    """xorshift64*: one 64-bit draw; ``state`` is a uint64[1] array owned by the caller."""
    x = state[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    state[0] = x
    return x * np.uint64(2685821657736338717)


@njit(cache=True, nogil=True, inline="always")
def rand_below(state, k):
    """Uniform integer in [0, k) (k >= 1) from the high bits, by multiply-shift."""
    return np.int64(((xorshift_next(state) >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32))


@njit(cache=True, nogil=True, inline="always")
def playable(color, links, w, loc, c):
    """Is empty ``loc`` legal for c (ko aside) and not c's own eye? The packed neighbour
    counts answer the common case, a point with a liberty, with one load and one branch."""
    nbr = links[bk.NBR, loc]
    if nbr & bk.NBR_MASK:
        return True
    own_or_wall = ((nbr >> (bk.NBR_BITS * c)) & bk.NBR_MASK) + (nbr >> (bk.NBR_BITS * bk.WALL))
    if own_or_wall == 4 and bk.is_eye(color, w, loc, c):
        return False
    return not bk.is_suicide(color, links, w, loc, c)


@njit(cache=True, nogil=True, inline="always")
def pick_random_move(color, links, info, state, c):
    """A uniformly random legal, non-eye-filling move for c, or PASS_LOC if none.

    Candidates are drawn from the empty list; a rejected one is swapped out of the
    window [0, k) so each empty point is tried at most once.
    """
    w = info[bk.I_N] + 2
    k = info[bk.I_NEMPTY]
    ko = info[bk.I_KO] if info[bk.I_KO_COLOR] == c else bk.NO_LOC
    while k > 0:
        i = rand_below(state, k)
        loc = links[bk.ELIST, i]
        if loc != ko and playable(color, links, w, loc, c):
            return loc
        k -= 1
        other = links[bk.ELIST, k]
        links[bk.ELIST, i] = other
        links[bk.EPOS, other] = i
        links[bk.ELIST, k] = loc
        links[bk.EPOS, loc] = k
    return bk.PASS_LOC


@njit(cache=True, nogil=True)
def random_playout(color, links, info, zob, state, max_moves, record, first_ply, ply0):
    """Play random moves to the end in place; return the number of moves played.
    The side to move and consecutive passes are read from ``info``. With ``record``,
    first_ply[loc] (if still -1) gets the ply from the search root (the playout starts at
    ply0) of the first move on loc, for RAVE. The caller's arguments keep the arrays alive
    while the borrowed views below are in use."""
    color = bk.borrow(color)
    links = bk.borrow(links)
    info = bk.borrow(info)
    zob = bk.borrow(zob)
    state = bk.borrow(state)
    first_ply = bk.borrow(first_ply)
    c = info[bk.I_TO_PLAY]
    h = np.uint64(0)  # hashes are not needed inside a playout
    moves = 0
    while moves < max_moves and info[bk.I_PASSES] < 2:
        loc = pick_random_move(color, links, info, state, c)
        if loc == bk.PASS_LOC:
            bk.play_pass(info, c)
        else:
            h = bk.place_stone_inline(color, links, info, zob, h, loc, c)
            if record and first_ply[loc] < 0:
                first_ply[loc] = ply0 + moves
        c = 3 - c
        moves += 1
    return moves

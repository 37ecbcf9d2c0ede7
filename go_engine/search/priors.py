"""Priors for new tree nodes computed in Numba, without a network.

``PRIOR_UNIFORM``: every legal move and the pass alike.
``PRIOR_HEURISTIC``: cheap tactical and shape knowledge, each a multiplicative factor on a
base weight of 1, so that the search looks first where a player would:

- capturing (more for bigger chains, most when it saves an own chain in atari);
- escaping atari (the chain gets at least two liberties after the move);
- putting an enemy chain in atari, when the mover keeps two liberties;
- no self-atari (a chain left with one liberty that captures nothing);
- near the last move (Chebyshev distance 1 or 2);
- not on the first or second line while the board is still open;
- the pass low while moves remain (it is still always in the tree).

``PRIOR_PATTERN``: the softmax of the fast rollout policy (``playouts.rollout_policy``) over
the legal moves, read from the ``PolicyArrays`` of its weights.

Factors are plain constants below; tests pin the orderings they imply, not the numbers.
Another prior kind computed in Numba would take a ``PRIOR_*`` code of its own and a branch in
``expansion_priors``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk
from go_engine.playouts.rollout_policy import policy_priors


class PolicyArrays(NamedTuple):
    """Arrays of a pattern policy that priors and playout kernels may read (empty when the
    chosen kinds need none): ``weights`` float32[K] log-linear weights, ``ew`` their exp,
    ``pos_class`` int64[A] position class of each padded cell."""

    weights: np.ndarray
    ew: np.ndarray
    pos_class: np.ndarray


def no_policy() -> PolicyArrays:
    return PolicyArrays(np.zeros(0, np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))

PRIOR_UNIFORM = 0
PRIOR_HEURISTIC = 1
PRIOR_PATTERN = 2   # the rollout policy's softmax (``rollout_policy.policy_priors``)
PRIOR_NAMES = {"uniform": PRIOR_UNIFORM, "heuristic": PRIOR_HEURISTIC, "pattern": PRIOR_PATTERN}

CAPTURE = 6.0
SAVE_BY_CAPTURE = 4.0
ESCAPE = 5.0
ATARI = 2.0
SELF_ATARI = 0.08
NEAR_LAST_1 = 3.0
NEAR_LAST_2 = 1.5
FIRST_LINE_OPEN = 0.15
SECOND_LINE_OPEN = 0.6
FIRST_LINE_LATE = 0.6
PASS_WEIGHT = 0.05
OPEN_FRACTION = 0.6  # "open board": more than this fraction of points empty


@njit(cache=True, nogil=True)
def liberties_after(color, links, w, loc, c, marks):
    """Liberties of c's chain after c plays empty ``loc`` (captures counted as one liberty
    each adjacent captured stone, which is a lower bound). ``marks`` is int8[A] scratch,
    returned to zero."""
    libs = 0
    opp = 3 - c
    touched = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == bk.EMPTY:
            if marks[nb] == 0:
                marks[nb] = 1
                libs += 1
        elif col == opp and links[bk.LIBS, links[bk.HEAD, nb]] == 1:
            if marks[nb] == 0:  # the captured neighbour's point becomes a liberty
                marks[nb] = 1
                libs += 1
    marks[loc] = 1
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == c:
            hd = links[bk.HEAD, nb]
            s = hd
            while True:
                for e in (s - 1, s + 1, s - w, s + w):
                    if color[e] == bk.EMPTY and marks[e] == 0:
                        marks[e] = 1
                        libs += 1
                s = links[bk.NEXT, s]
                if s == hd:
                    break
            touched += 1
    # clear the marks: they sit only on loc, its neighbours and the chains' liberties
    marks[loc] = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        marks[nb] = 0
        if color[nb] == c:
            hd = links[bk.HEAD, nb]
            s = hd
            while True:
                for e in (s - 1, s + 1, s - w, s + w):
                    marks[e] = 0
                s = links[bk.NEXT, s]
                if s == hd:
                    break
    return libs


@njit(cache=True, nogil=True)
def heuristic_weight(color, links, info, loc, c, marks):
    """Unnormalised prior of c playing legal ``loc``."""
    n = info[bk.I_N]
    w = n + 2
    opp = 3 - c
    captured = 0
    own_in_atari = 0
    opp_two_libs = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == opp:
            hd = links[bk.HEAD, nb]
            libs = links[bk.LIBS, hd]
            if libs == 1:
                captured += links[bk.SIZE, hd]
            elif libs == 2:
                opp_two_libs += 1
        elif col == c:
            if links[bk.LIBS, links[bk.HEAD, nb]] == 1:
                own_in_atari += links[bk.SIZE, links[bk.HEAD, nb]]
    libs_after = liberties_after(color, links, w, loc, c, marks)
    weight = 1.0
    if captured > 0:
        weight *= CAPTURE + min(captured, 6)
        if own_in_atari > 0:
            weight *= SAVE_BY_CAPTURE
    elif own_in_atari > 0 and libs_after >= 2:
        weight *= ESCAPE * (1.0 + 0.5 * (libs_after >= 3))
    if captured == 0 and libs_after <= 1:
        weight *= SELF_ATARI
    elif opp_two_libs > 0 and libs_after >= 2:
        weight *= ATARI
    last = info[bk.I_LAST]
    if last > 0:
        dr = abs(loc // w - last // w)
        dc = abs(loc % w - last % w)
        d = max(dr, dc)
        if d == 1:
            weight *= NEAR_LAST_1
        elif d == 2:
            weight *= NEAR_LAST_2
    r = loc // w - 1
    col_ = loc % w - 1
    line = min(min(r, col_), min(n - 1 - r, n - 1 - col_))
    open_board = info[bk.I_NEMPTY] > OPEN_FRACTION * n * n
    if line == 0:
        weight *= FIRST_LINE_OPEN if open_board else FIRST_LINE_LATE
    elif line == 1 and open_board and n >= 9:
        weight *= SECOND_LINE_OPEN
    return weight


@njit(cache=True, nogil=True)
def expansion_priors(color, links, info, locs, count, prior_kind, pol, out):
    """out[0:count] = weights of the moves locs[0:count], out[count] = weight of the pass
    (unnormalised; the caller normalises). ``pol`` is the search's ``PolicyArrays`` (pattern
    weights for a pattern prior kind; empty otherwise)."""
    if prior_kind == PRIOR_PATTERN:
        policy_priors(color, links, info, pol.weights, locs, count, out)
        total = 0.0
        for k in range(count):
            total += out[k]
        out[count] = PASS_WEIGHT * total / count if count > 0 else 1.0
    elif prior_kind == PRIOR_HEURISTIC:
        c = info[bk.I_TO_PLAY]
        marks = np.zeros(color.shape[0], np.int8)
        total = 0.0
        for k in range(count):
            out[k] = heuristic_weight(color, links, info, locs[k], c, marks)
            total += out[k]
        out[count] = PASS_WEIGHT * total / count if count > 0 else 1.0
    else:
        for k in range(count + 1):
            out[k] = 1.0

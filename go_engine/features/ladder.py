"""Ladder reading in Numba: is a chain in atari caught by a ladder (the atari chase)?

The reader works on a stack of scratch copies of the board arrays, one level per ply
(``LadderScratch``), so the position under study is never touched. The defender (owner of
the chain, to move) may extend at its liberty or capture any attacker chain in atari that
touches it; the attacker answers a two-liberty chain by playing atari on either liberty.
The chain is caught when every defence ends with one liberty. Reading stops at the scratch
depth or when a node budget is spent; an unfinished read counts as "not caught", so the
features never claim a ladder they did not read out.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk

EMPTY, BLACK, WHITE = bk.EMPTY, bk.BLACK, bk.WHITE
HEAD, NEXT, LIBS = bk.HEAD, bk.NEXT, bk.LIBS
MAX_LADDER_DEPTH = 200  # plies; the longest Pachi test ladders take about 150
LADDER_NODE_BUDGET = 2000  # board copies per ladder question
MAX_DEFENCES = 16


class LadderScratch:
    """Preallocated per-ply copies of (color, links, info) for one board size."""

    __slots__ = ("color", "links", "info", "budget")

    def __init__(self, n: int, depth: int = MAX_LADDER_DEPTH):
        cells = (n + 2) * (n + 2)
        self.color = np.empty((depth, cells), dtype=np.int8)
        self.links = np.empty((depth, bk.NF, cells), dtype=np.int32)
        self.info = np.empty((depth, bk.NI), dtype=np.int64)
        self.budget = np.zeros(1, dtype=np.int64)


@njit(cache=True, nogil=True, inline="always")
def _copy_level(st_color, st_links, st_info, src, dst):
    st_color[dst, :] = st_color[src, :]
    st_links[dst, :, :] = st_links[src, :, :]
    st_info[dst, :] = st_info[src, :]


@njit(cache=True, nogil=True)
def _is_legal_simple(color, links, info, w, loc, c):
    """Legal under simple ko (superko is irrelevant for a ladder read)."""
    if color[loc] != EMPTY:
        return False
    if loc == info[bk.I_KO] and c == info[bk.I_KO_COLOR]:
        return False
    return not bk.is_suicide(color, links, w, loc, c)


@njit(cache=True, nogil=True)
def _chain_liberties(color, links, w, head, out):
    """Write up to len(out) distinct liberties of the chain at ``head`` into out; return count."""
    k = 0
    s = head
    while True:
        for nb in (s - 1, s + 1, s - w, s + w):
            if color[nb] == EMPTY:
                seen = False
                for j in range(k):
                    if out[j] == nb:
                        seen = True
                        break
                if not seen and k < out.shape[0]:
                    out[k] = nb
                    k += 1
        s = links[NEXT, s]
        if s == head:
            break
    return k


@njit(cache=True, nogil=True)
def _candidates(color, links, w, target, defender_to_move, out):
    """Moves to try at a node: defences (captures of adjacent attacker chains in atari, then the
    liberty) or attacks (atari on either liberty). Returns the count written into out."""
    defender = color[target]
    attacker = 3 - defender
    head = links[HEAD, target]
    libs = np.empty(2, dtype=np.int64)
    nc = 0
    if not defender_to_move:
        return _chain_liberties(color, links, w, head, out[:2])
    s = head
    while True:
        for nb in (s - 1, s + 1, s - w, s + w):
            if color[nb] == attacker and links[LIBS, links[HEAD, nb]] == 1:
                _chain_liberties(color, links, w, links[HEAD, nb], libs)
                dup = False
                for j in range(nc):
                    if out[j] == libs[0]:
                        dup = True
                if not dup and nc < out.shape[0] - 1:
                    out[nc] = libs[0]
                    nc += 1
        s = links[NEXT, s]
        if s == head:
            break
    _chain_liberties(color, links, w, head, libs)
    for j in range(nc):
        if out[j] == libs[0]:
            return nc
    out[nc] = libs[0]
    return nc + 1


@njit(cache=True, nogil=True)
def _ladder(st_color, st_links, st_info, zob, target, defender_to_move, budget):
    """Is the chain through stone ``target`` (scratch level 0) caught? An AND/OR depth-first
    search with an explicit stack (no recursion, so Numba can cache it).

    Level d is a node: defender to move (chain in atari; caught when every defence fails) or
    attacker to move (two liberties; caught when some atari works). Out of depth or budget
    counts as not caught."""
    depth = st_color.shape[0]
    cands = np.zeros((depth, MAX_DEFENCES), dtype=np.int64)
    ncand = np.zeros(depth, dtype=np.int64)
    nxt = np.zeros(depth, dtype=np.int64)
    defends = np.zeros(depth, dtype=np.bool_)
    w = st_info[0, bk.I_N] + 2
    defends[0] = defender_to_move
    ncand[0] = _candidates(st_color[0], st_links[0], w, target, defender_to_move, cands[0])
    d = 0
    while True:
        # expand the next move of node d, or resolve the node when its moves are exhausted
        resolved = False
        result = False
        if nxt[d] >= ncand[d]:
            resolved = True
            result = defends[d]  # no defence worked: caught; no attack worked: not caught
        else:
            m = cands[d, nxt[d]]
            nxt[d] += 1
            mover = st_color[0, target] if defends[d] else 3 - st_color[0, target]
            if not _is_legal_simple(st_color[d], st_links[d], st_info[d], w, m, mover):
                continue
            budget[0] -= 1
            _copy_level(st_color, st_links, st_info, d, d + 1)
            bk.place_stone(st_color[d + 1], st_links[d + 1], st_info[d + 1], zob, np.uint64(0), m, mover)
            nl = st_links[d + 1][LIBS, st_links[d + 1][HEAD, target]]
            child_known = False
            child = False
            if defends[d]:
                if nl >= 3:
                    child_known, child = True, False
                elif nl <= 1:
                    child_known, child = True, True
            elif nl != 1:
                continue  # not an atari: this attack does nothing
            if not child_known:
                if d + 2 >= depth or budget[0] <= 0:
                    child_known, child = True, False
                else:
                    d += 1
                    defends[d] = not defends[d - 1]
                    nxt[d] = 0
                    ncand[d] = _candidates(st_color[d], st_links[d], w, target, defends[d], cands[d])
                    continue
            # a leaf child: short-circuit node d when it decides it
            if defends[d] and not child:
                resolved, result = True, False
            elif not defends[d] and child:
                resolved, result = True, True
        while resolved:
            if d == 0:
                return result
            d -= 1
            resolved = False
            if defends[d] and not result:
                resolved = True  # one defence escapes: the defender's node is not caught
            elif not defends[d] and result:
                resolved = True  # one attack catches: the attacker's node catches
    return False


@njit(cache=True, nogil=True)
def ladder_caught(color, links, info, zob, st_color, st_links, st_info, budget, target, defender_to_move):
    """Copy the position into scratch level 0 and read the ladder on the chain at ``target``."""
    st_color[0, :] = color
    st_links[0, :, :] = links
    st_info[0, :] = info
    budget[0] = LADDER_NODE_BUDGET
    return _ladder(st_color, st_links, st_info, zob, target, defender_to_move, budget)


def is_ladder_captured(pos, point: int, scratch: LadderScratch | None = None) -> bool:
    """Is the chain on ``point`` of a ``Position`` caught in a ladder?

    One liberty: its owner moves first (Pachi's ``ladder`` test). Two liberties: the
    attacker moves first. Any other count: False."""
    from go_engine.rules.position import ZOBRIST
    loc = int(pos.p2l[point])
    if pos.color[loc] not in (BLACK, WHITE):
        raise ValueError("no stone on that point")
    libs = int(pos.links[LIBS, pos.links[HEAD, loc]])
    if libs not in (1, 2):
        return False
    scratch = scratch or LadderScratch(pos.n)
    return bool(ladder_caught(pos.color, pos.links, pos.info, ZOBRIST, scratch.color, scratch.links,
                              scratch.info, scratch.budget, loc, libs == 1))

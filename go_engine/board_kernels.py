"""Numba kernels of the rules: placing stones, captures, legality, eyes, area score.

A position is held in three arrays (A = (n+2)^2 padded cells, see ``coords``):

- ``color``  int8[A]       EMPTY, BLACK, WHITE or WALL for each cell.
- ``links``  int32[NF, A]  chain and empty-point bookkeeping, one row per field:
    HEAD  chain representative of a stone; 0 on empty and wall cells (0 is a wall).
    NEXT  next stone of the same chain; the chain is a circular list.
    LIBS  (at a head) exact count of distinct liberties of the chain.
    SIZE  (at a head) number of stones of the chain.
    AGE   ply at which the stone on this cell was placed (for "turns since" features).
    EPOS  (on an empty cell) its index in the ELIST row.
    ELIST ELIST[0:info[NEMPTY]] are the empty cells, in no order (O(1) random choice).
- ``info``   int64[NI]     scalars: size, side to move, ko, passes, ply, captures, last moves.

Invariants after every kernel call: every stone's chain has LIBS >= 1 and LIBS equal to
its distinct empty neighbours; ELIST/EPOS are inverse on empty cells. ``check_links``
rebuilds everything from ``color`` and compares; tests call it.

The Zobrist hash of a position is passed in and returned (uint64) so that playouts can
skip the history; ``Position`` keeps the history array used for positional superko.
Kernels return status codes rather than raising.
"""
from __future__ import annotations

import numpy as np
from numba import njit

EMPTY, BLACK, WHITE, WALL = 0, 1, 2, 3

# rows of ``links``
HEAD, NEXT, LIBS, SIZE, AGE, EPOS, ELIST = 0, 1, 2, 3, 4, 5, 6
NF = 7

# fields of ``info``
I_N, I_TO_PLAY, I_KO, I_KO_COLOR, I_PASSES, I_PLY = 0, 1, 2, 3, 4, 5
I_CAPS_B, I_CAPS_W, I_LAST, I_LAST2, I_NEMPTY, I_LAST_CAPS = 6, 7, 8, 9, 10, 11
NI = 12

# legality status codes
LEGAL, OCCUPIED, SUICIDE, KO, SUPERKO, OFF_BOARD = 0, 1, 2, 3, 4, 5
STATUS_TEXT = ("legal", "occupied", "suicide", "ko", "superko", "off board")

PASS_LOC = -1
NO_LOC = 0

ZOBRIST_SEED = 20261129


def make_zobrist(max_cells: int = 27 * 27, seed: int = ZOBRIST_SEED) -> np.ndarray:
    """uint64[3, cells]: random keys per (colour, loc); row 0 unused. Seeded, so hashes are stable."""
    rng = np.random.default_rng(seed)
    keys = rng.integers(1, 2**63 - 1, size=(3, max_cells), dtype=np.int64).astype(np.uint64)
    keys |= rng.integers(0, 2, size=(3, max_cells), dtype=np.int64).astype(np.uint64) << np.uint64(63)
    keys[0, :] = 0
    return keys


@njit(cache=True, nogil=True)
def init_board(color, links, info, n):
    """Fill the arrays for an empty n x n board (arrays sized for n)."""
    w = n + 2
    links[:, :] = 0
    k = 0
    for loc in range(w * w):
        r = loc // w
        c = loc % w
        if r == 0 or c == 0 or r == w - 1 or c == w - 1:
            color[loc] = WALL
        else:
            color[loc] = EMPTY
            links[ELIST, k] = loc
            links[EPOS, loc] = k
            k += 1
    info[:] = 0
    info[I_N] = n
    info[I_TO_PLAY] = BLACK
    info[I_KO] = NO_LOC
    info[I_LAST] = NO_LOC
    info[I_LAST2] = NO_LOC
    info[I_NEMPTY] = k


@njit(cache=True, nogil=True, inline="always")
def _empty_remove(links, info, loc):
    k = links[EPOS, loc]
    last = info[I_NEMPTY] - 1
    moved = links[ELIST, last]
    links[ELIST, k] = moved
    links[EPOS, moved] = k
    info[I_NEMPTY] = last


@njit(cache=True, nogil=True, inline="always")
def _empty_add(links, info, loc):
    k = info[I_NEMPTY]
    links[ELIST, k] = loc
    links[EPOS, loc] = k
    info[I_NEMPTY] = k + 1


@njit(cache=True, nogil=True)
def _remove_chain(color, links, info, zob, h, head):
    """Lift the chain at ``head``; every lifted point becomes one liberty of each adjacent chain."""
    c = color[head]
    w = info[I_N] + 2
    s = head
    while True:
        color[s] = EMPTY
        h ^= zob[c, s]
        _empty_add(links, info, s)
        nxt = links[NEXT, s]
        links[HEAD, s] = 0
        links[NEXT, s] = 0
        s = nxt
        if s == head:
            break
    s = head
    # the NEXT links are cleared, so walk again through the empties just appended
    nempty = info[I_NEMPTY]
    size = links[SIZE, head]
    for k in range(nempty - size, nempty):
        s = links[ELIST, k]
        h0 = 0
        h1 = 0
        h2 = 0
        for nb in (s - 1, s + 1, s - w, s + w):
            col = color[nb]
            if col == BLACK or col == WHITE:
                hd = links[HEAD, nb]
                if hd != h0 and hd != h1 and hd != h2:
                    links[LIBS, hd] += 1
                    if h0 == 0:
                        h0 = hd
                    elif h1 == 0:
                        h1 = hd
                    else:
                        h2 = hd
    links[SIZE, head] = 0
    links[LIBS, head] = 0
    return h


@njit(cache=True, nogil=True)
def _merge(color, links, w, a, b):
    """Merge chains with heads a and b (same colour); returns the surviving head."""
    if a == b:
        return a
    if links[SIZE, a] < links[SIZE, b]:
        a, b = b, a
    # a is the big chain. A liberty of a stone of b is new to a unless it touches a stone
    # already marked HEAD == a; marking b's stones as we go stops b's shared liberties
    # from being counted twice.
    s = b
    while True:
        for e in (s - 1, s + 1, s - w, s + w):
            if color[e] == EMPTY:
                if (links[HEAD, e - 1] != a and links[HEAD, e + 1] != a
                        and links[HEAD, e - w] != a and links[HEAD, e + w] != a):
                    links[LIBS, a] += 1
        links[HEAD, s] = a
        s = links[NEXT, s]
        if s == b:
            break
    # splice the two circular lists
    na = links[NEXT, a]
    links[NEXT, a] = links[NEXT, b]
    links[NEXT, b] = na
    links[SIZE, a] += links[SIZE, b]
    return a


@njit(cache=True, nogil=True)
def place_stone(color, links, info, zob, h, loc, c):
    """Put a stone of colour c on empty ``loc`` (legality already checked), resolve captures,
    update ko, captures, ply, side to move; return the new hash."""
    w = info[I_N] + 2
    opp = 3 - c
    color[loc] = c
    h ^= zob[c, loc]
    _empty_remove(links, info, loc)
    links[HEAD, loc] = loc
    links[NEXT, loc] = loc
    links[SIZE, loc] = 1
    links[AGE, loc] = info[I_PLY]
    libs = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == EMPTY:
            libs += 1
    links[LIBS, loc] = libs
    # loc was one liberty of each distinct neighbouring chain
    h0 = 0
    h1 = 0
    h2 = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == BLACK or col == WHITE:
            hd = links[HEAD, nb]
            if hd != loc and hd != h0 and hd != h1 and hd != h2:
                links[LIBS, hd] -= 1
                if h0 == 0:
                    h0 = hd
                elif h1 == 0:
                    h1 = hd
                else:
                    h2 = hd
    captured = 0
    cap_loc = NO_LOC
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == opp:
            hd = links[HEAD, nb]
            if links[LIBS, hd] == 0:
                captured += links[SIZE, hd]
                cap_loc = hd
                h = _remove_chain(color, links, info, zob, h, hd)
    me = loc
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == c:
            me = _merge(color, links, w, links[HEAD, nb], links[HEAD, me])
    if captured == 1 and links[SIZE, me] == 1 and links[LIBS, me] == 1:
        info[I_KO] = cap_loc
        info[I_KO_COLOR] = opp
    else:
        info[I_KO] = NO_LOC
    if c == BLACK:
        info[I_CAPS_B] += captured
    else:
        info[I_CAPS_W] += captured
    info[I_LAST_CAPS] = captured
    info[I_LAST2] = info[I_LAST]
    info[I_LAST] = loc
    info[I_PASSES] = 0
    info[I_PLY] += 1
    info[I_TO_PLAY] = opp
    return h


@njit(cache=True, nogil=True)
def play_pass(info, c):
    info[I_KO] = NO_LOC
    info[I_LAST_CAPS] = 0
    info[I_LAST2] = info[I_LAST]
    info[I_LAST] = PASS_LOC
    info[I_PASSES] += 1
    info[I_PLY] += 1
    info[I_TO_PLAY] = 3 - c


@njit(cache=True, nogil=True, inline="always")
def is_suicide(color, links, w, loc, c):
    """True when a stone of c on empty loc would have no liberty and capture nothing."""
    opp = 3 - c
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == EMPTY:
            return False
        if col == c:
            if links[LIBS, links[HEAD, nb]] > 1:
                return False
        elif col == opp:
            if links[LIBS, links[HEAD, nb]] == 1:
                return False
    return True


@njit(cache=True, nogil=True)
def hash_after(color, links, info, zob, h, loc, c):
    """Hash of the position after c plays legal, non-suicidal ``loc``, without playing it."""
    w = info[I_N] + 2
    opp = 3 - c
    h ^= zob[c, loc]
    h0 = 0
    h1 = 0
    h2 = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == opp:
            hd = links[HEAD, nb]
            if links[LIBS, hd] == 1 and hd != h0 and hd != h1 and hd != h2:
                if h0 == 0:
                    h0 = hd
                elif h1 == 0:
                    h1 = hd
                else:
                    h2 = hd
                s = hd
                while True:
                    h ^= zob[opp, s]
                    s = links[NEXT, s]
                    if s == hd:
                        break
    return h


@njit(cache=True, nogil=True)
def legal_status(color, links, info, zob, hashes, nhist, loc, c):
    """Status code of colour c playing loc. ``hashes[:nhist]`` are earlier positions for
    positional superko (pass nhist=0 to check simple ko only). hashes[nhist-1] is current."""
    if loc == PASS_LOC:
        return LEGAL
    w = info[I_N] + 2
    if loc < 0 or loc >= w * w or color[loc] == WALL:
        return OFF_BOARD
    if color[loc] != EMPTY:
        return OCCUPIED
    if loc == info[I_KO] and c == info[I_KO_COLOR]:
        return KO
    if is_suicide(color, links, w, loc, c):
        return SUICIDE
    if nhist > 0:
        h = hash_after(color, links, info, zob, hashes[nhist - 1], loc, c)
        for k in range(nhist):
            if hashes[k] == h:
                return SUPERKO
    return LEGAL


@njit(cache=True, nogil=True)
def is_eye(color, w, loc, c):
    """Is empty ``loc`` an eye of c that a sane player never fills: all neighbours c or wall,
    and too few enemy diagonals to make it false (none on the edge, at most one inside)."""
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col != c and col != WALL:
            return False
    opp = 3 - c
    bad = 0
    edge = 0
    for d in range(4):
        dg = loc - w - 1 if d == 0 else (loc - w + 1 if d == 1 else (loc + w - 1 if d == 2 else loc + w + 1))
        col = color[dg]
        if col == opp:
            bad += 1
        elif col == WALL:
            edge = 1
    if edge:
        return bad == 0
    return bad < 2


@njit(cache=True, nogil=True)
def area_counts(color, n):
    """(black area, white area) by Tromp-Taylor: stones plus empty regions reaching only one colour."""
    w = n + 2
    seen = np.zeros(w * w, dtype=np.uint8)
    stack = np.empty(w * w, dtype=np.int32)
    region = np.empty(w * w, dtype=np.int32)
    black = 0
    white = 0
    for loc in range(w * w):
        col = color[loc]
        if col == BLACK:
            black += 1
        elif col == WHITE:
            white += 1
        elif col == EMPTY and seen[loc] == 0:
            top = 0
            stack[top] = loc
            top = 1
            seen[loc] = 1
            size = 0
            reach = 0  # bit 1: black, bit 2: white
            while top > 0:
                top -= 1
                s = stack[top]
                region[size] = s
                size += 1
                for nb in (s - 1, s + 1, s - w, s + w):
                    cn = color[nb]
                    if cn == EMPTY:
                        if seen[nb] == 0:
                            seen[nb] = 1
                            stack[top] = nb
                            top += 1
                    elif cn == BLACK:
                        reach |= 1
                    elif cn == WHITE:
                        reach |= 2
            if reach == 1:
                black += size
            elif reach == 2:
                white += size
    return black, white


@njit(cache=True, nogil=True)
def area_owner(color, n, out):
    """Fill out[loc] with the Tromp-Taylor owner (BLACK, WHITE or EMPTY for dame) of each cell."""
    w = n + 2
    seen = np.zeros(w * w, dtype=np.uint8)
    stack = np.empty(w * w, dtype=np.int32)
    region = np.empty(w * w, dtype=np.int32)
    for loc in range(w * w):
        col = color[loc]
        if col == BLACK or col == WHITE:
            out[loc] = col
        elif col == WALL:
            out[loc] = EMPTY
        elif seen[loc] == 0:
            top = 1
            stack[0] = loc
            seen[loc] = 1
            size = 0
            reach = 0
            while top > 0:
                top -= 1
                s = stack[top]
                region[size] = s
                size += 1
                for nb in (s - 1, s + 1, s - w, s + w):
                    cn = color[nb]
                    if cn == EMPTY:
                        if seen[nb] == 0:
                            seen[nb] = 1
                            stack[top] = nb
                            top += 1
                    elif cn == BLACK:
                        reach |= 1
                    elif cn == WHITE:
                        reach |= 2
            owner = BLACK if reach == 1 else (WHITE if reach == 2 else EMPTY)
            for k in range(size):
                out[region[k]] = owner


@njit(cache=True, nogil=True)
def check_links(color, links, info):
    """Rebuild chains and liberties from ``color`` by flood fill and compare with ``links``.
    Returns 0 when consistent, else a nonzero code naming the first broken invariant."""
    n = info[I_N]
    w = n + 2
    seen = np.zeros(w * w, dtype=np.int32)
    libmark = np.zeros(w * w, dtype=np.int32)
    stack = np.empty(w * w, dtype=np.int32)
    label = 0
    for loc in range(w * w):
        col = color[loc]
        if (col == BLACK or col == WHITE) and seen[loc] == 0:
            label += 1
            top = 1
            stack[0] = loc
            seen[loc] = label
            size = 0
            libs = 0
            hd = links[HEAD, loc]
            while top > 0:
                top -= 1
                s = stack[top]
                size += 1
                if links[HEAD, s] != hd:
                    return 1
                for nb in (s - 1, s + 1, s - w, s + w):
                    cn = color[nb]
                    if cn == col and seen[nb] == 0:
                        seen[nb] = label
                        stack[top] = nb
                        top += 1
                    elif cn == EMPTY and libmark[nb] != label:
                        libmark[nb] = label
                        libs += 1
            if links[SIZE, hd] != size:
                return 2
            if links[LIBS, hd] != libs:
                return 3
            if libs == 0:
                return 4
            # the circular list visits exactly the chain
            s = hd
            count = 0
            while True:
                if seen[s] != label:
                    return 5
                count += 1
                s = links[NEXT, s]
                if s == hd or count > size:
                    break
            if count != size:
                return 5
    nempty = 0
    for loc in range(w * w):
        if color[loc] == EMPTY:
            nempty += 1
            if links[ELIST, links[EPOS, loc]] != loc:
                return 6
    if nempty != info[I_NEMPTY]:
        return 7
    return 0


@njit(cache=True, nogil=True)
def board_hash(color, zob):
    h = np.uint64(0)
    for loc in range(color.shape[0]):
        col = color[loc]
        if col == BLACK or col == WHITE:
            h ^= zob[col, loc]
    return h

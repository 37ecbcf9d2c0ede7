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
    NBR   (on empty and stone cells) packed counts of the 4 neighbours by colour, 4 bits
          each: ``(NBR >> (4 * col)) & 15`` neighbours of colour col (EMPTY/BLACK/WHITE/WALL).
          Lets the playout ask "any liberty here?" or "eye-shaped?" with one load and no
          data-dependent branches. Kept on wall cells too, where it means nothing.
- ``info``   int64[NI]     scalars: size, side to move, ko, passes, ply, captures, last moves.

Invariants after every kernel call: every stone's chain has LIBS >= 1 and LIBS equal to
its distinct empty neighbours; ELIST/EPOS are inverse on empty cells; NBR counts the
neighbours of every board cell. ``check_links``
rebuilds everything from ``color`` and compares; tests call it.

The Zobrist hash of a position is passed in and returned (uint64) so that playouts can
skip the history; ``Position`` keeps the history array used for positional superko.
Kernels return status codes rather than raising.

Hot loops bind their arrays with ``borrow`` (a view without reference counting) and call
the small kernels marked ``inline="always"``, so that a playout move costs no atomic
reference-count updates; the callable forms (``place_stone``) serve everyone else.
"""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core.extending import intrinsic
from numba.np.arrayobj import make_array, populate_array

EMPTY, BLACK, WHITE, WALL = 0, 1, 2, 3

# rows of ``links``
HEAD, NEXT, LIBS, SIZE, AGE, EPOS, ELIST, NBR = 0, 1, 2, 3, 4, 5, 6, 7
NF = 8

# NBR field helpers: one neighbour of colour col adds 1 << NBR_SHIFT[col]
NBR_BITS = 4
NBR_MASK = 15

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


@intrinsic
def borrow(typingctx, arr):
    """A view of ``arr`` that holds no reference (null meminfo), for hot loops only.

    Numba increments and decrements an array's reference count (atomic operations) each
    time an inlined kernel binds it to a new name or a call passes it on; with a null
    meminfo those updates fold away at compile time. Only for local use while the caller
    still holds ``arr``: a borrowed view must never be returned or stored."""
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, sig, args):
        src = make_array(arr)(context, builder, value=args[0])
        dst = make_array(arr)(context, builder)
        populate_array(dst, data=src.data, shape=src.shape, strides=src.strides,
                       itemsize=src.itemsize, meminfo=None)
        return dst._getvalue()

    return arr(arr), codegen


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
    for loc in range(w * w):
        if color[loc] != WALL:
            counts = 0
            for nb in (loc - 1, loc + 1, loc - w, loc + w):
                counts += 1 << (NBR_BITS * color[nb])
            links[NBR, loc] = counts
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


@njit(cache=True, nogil=True, inline="always")
def place_stone_inline(color, links, info, zob, h, loc, c):
    """Put a stone of colour c on empty ``loc`` (legality already checked), resolve captures,
    update ko, captures, ply, side to move; return the new hash.

    Inlined into its callers (``place_stone`` is the callable form): hot loops such as the
    playouts call it on ``borrow``-ed arrays, so no reference counting is left per move.
    Captures and merges are written out here rather than in helper functions for the same
    reason: a call to another kernel makes Numba keep reference-count updates (atomic
    operations) on every array argument that is not borrowed.
    Neighbour chains are found through HEAD, which is 0 on empty and wall cells, so the
    common bookkeeping runs without data-dependent branches; the scratch cell LIBS[0]
    absorbs updates aimed at "no chain" and is reset to 0.
    """
    w = info[I_N] + 2
    opp = 3 - c
    nbr = links[NBR, loc]
    color[loc] = c
    h ^= zob[c, loc]
    _empty_remove(links, info, loc)
    links[HEAD, loc] = loc
    links[NEXT, loc] = loc
    links[SIZE, loc] = 1
    links[AGE, loc] = info[I_PLY]
    links[LIBS, loc] = nbr & NBR_MASK
    delta = (1 << (NBR_BITS * c)) - 1  # one empty neighbour becomes one c neighbour
    links[NBR, loc - 1] += delta
    links[NBR, loc + 1] += delta
    links[NBR, loc - w] += delta
    links[NBR, loc + w] += delta
    # loc was one liberty of each distinct neighbouring chain
    hd0 = links[HEAD, loc - 1]
    hd1 = links[HEAD, loc + 1]
    hd2 = links[HEAD, loc - w]
    hd3 = links[HEAD, loc + w]
    links[LIBS, hd0] -= 1
    links[LIBS, hd1] -= np.int32(hd1 != hd0)
    links[LIBS, hd2] -= np.int32((hd2 != hd0) & (hd2 != hd1))
    links[LIBS, hd3] -= np.int32((hd3 != hd0) & (hd3 != hd1) & (hd3 != hd2))
    links[LIBS, 0] = 0
    captured = 0
    cap_loc = NO_LOC
    # any neighbouring opp chain left without liberties? Asked without branches, so that the
    # branch below is taken only on a capture (about 9% of random moves) rather than on every
    # move next to an opp stone (about half, at random: a misprediction each time)
    dead = (((color[loc - 1] == opp) & (links[LIBS, hd0] == 0)) | ((color[loc + 1] == opp) & (links[LIBS, hd1] == 0))
            | ((color[loc - w] == opp) & (links[LIBS, hd2] == 0)) | ((color[loc + w] == opp) & (links[LIBS, hd3] == 0)))
    if dead:
        lifted = (1 << (NBR_BITS * opp)) - 1  # one opp neighbour becomes one empty neighbour
        for nb in (loc - 1, loc + 1, loc - w, loc + w):
            head = links[HEAD, nb]
            if color[nb] == opp and links[LIBS, head] == 0:
                # lift the chain (loops here avoid break/continue: with them Numba keeps
                # the reference counting this function is written to avoid)
                size = links[SIZE, head]
                captured += size
                cap_loc = head
                s = head
                more = True
                while more:
                    color[s] = EMPTY
                    h ^= zob[opp, s]
                    _empty_add(links, info, s)
                    links[NBR, s - 1] -= lifted
                    links[NBR, s + 1] -= lifted
                    links[NBR, s - w] -= lifted
                    links[NBR, s + w] -= lifted
                    nxt = links[NEXT, s]
                    links[HEAD, s] = 0
                    links[NEXT, s] = 0
                    s = nxt
                    more = s != head
                links[SIZE, head] = 0
                links[LIBS, head] = 0
                # each lifted point is one liberty of each distinct c chain next to it (the
                # only stones that can touch it now); walk the empties just appended
                nempty = info[I_NEMPTY]
                for k in range(nempty - size, nempty):
                    s = links[ELIST, k]
                    g0 = links[HEAD, s - 1]
                    g1 = links[HEAD, s + 1]
                    g2 = links[HEAD, s - w]
                    g3 = links[HEAD, s + w]
                    links[LIBS, g0] += 1
                    links[LIBS, g1] += np.int32(g1 != g0)
                    links[LIBS, g2] += np.int32((g2 != g0) & (g2 != g1))
                    links[LIBS, g3] += np.int32((g3 != g0) & (g3 != g1) & (g3 != g2))
                links[LIBS, 0] = 0
    me = loc
    if (nbr >> (NBR_BITS * c)) & NBR_MASK:
        for nb in (loc - 1, loc + 1, loc - w, loc + w):
            a = links[HEAD, nb]
            if color[nb] == c and a != me:
                b = me
                if links[SIZE, a] < links[SIZE, b]:
                    a, b = b, a
                # a is the big chain. A liberty of a stone of b is new to a unless it
                # touches a stone already marked HEAD == a; marking b's stones as we go
                # stops b's shared liberties from being counted twice.
                # Counted without branches (their outcome is random in playouts: about 8% of a
                # 19x19 random playout's time went to mispredictions here). For a wall cell e,
                # e +- 1 and e +- w may leave the HEAD row: e - w < 0 wraps to the last wall
                # row, e + w >= A reads the NEXT row's first cells (walls, 0); either way the
                # term is masked by color[e] == EMPTY.
                s = b
                more = True
                while more:
                    gained = 0
                    for e in (s - 1, s + 1, s - w, s + w):
                        fresh = ((color[e] == EMPTY) & (links[HEAD, e - 1] != a) & (links[HEAD, e + 1] != a)
                                 & (links[HEAD, e - w] != a) & (links[HEAD, e + w] != a))
                        gained += np.int32(fresh)
                    links[LIBS, a] += gained
                    links[HEAD, s] = a
                    s = links[NEXT, s]
                    more = s != b
                # splice the two circular lists
                na = links[NEXT, a]
                links[NEXT, a] = links[NEXT, b]
                links[NEXT, b] = na
                links[SIZE, a] += links[SIZE, b]
                me = a
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
def place_stone(color, links, info, zob, h, loc, c):
    """``place_stone_inline`` as a callable kernel (same arguments, same result)."""
    return place_stone_inline(borrow(color), borrow(links), borrow(info), borrow(zob), h, loc, c)


@njit(cache=True, nogil=True, inline="always")
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
    if links[NBR, loc] & NBR_MASK:
        return False
    opp = 3 - c
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
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


@njit(cache=True, nogil=True, inline="always")
def is_eye(color, w, loc, c):
    """Is empty ``loc`` an eye of c that a sane player never fills: all neighbours c or wall,
    and too few enemy diagonals to make it false (none on the edge, at most one inside)."""
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col != c and col != WALL:
            return False
    opp = 3 - c
    d0 = color[loc - w - 1]
    d1 = color[loc - w + 1]
    d2 = color[loc + w - 1]
    d3 = color[loc + w + 1]
    bad = np.int64(d0 == opp) + np.int64(d1 == opp) + np.int64(d2 == opp) + np.int64(d3 == opp)
    edge = np.int64((d0 == WALL) | (d1 == WALL) | (d2 == WALL) | (d3 == WALL))
    return bad < 2 - edge


@njit(cache=True, nogil=True, inline="always")
def _empty_region(color, w, start, seen, stack, region):
    """Flood the empty region holding ``start`` (marking ``seen``): its cells go to
    region[0:size]; returns (size, reach), reach bit 1 set if it touches black, bit 2 white."""
    stack[0] = start
    top = 1
    seen[start] = 1
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
    return size, reach


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
            size, reach = _empty_region(color, w, loc, seen, stack, region)
            if reach == 1:
                black += size
            elif reach == 2:
                white += size
    return black, white


@njit(cache=True, nogil=True)
def area_score(color, n, komi):
    """Tromp-Taylor score from black's view (black area - white area - komi): the one place
    the sign convention lives; a positive score is a black win."""
    black, white = area_counts(color, n)
    return black - white - komi


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
            size, reach = _empty_region(color, w, loc, seen, stack, region)
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
    for loc in range(w * w):
        if color[loc] != WALL:
            counts = 0
            for nb in (loc - 1, loc + 1, loc - w, loc + w):
                counts += 1 << (NBR_BITS * color[nb])
            if links[NBR, loc] != counts:
                return 8
        if (color[loc] == EMPTY or color[loc] == WALL) and links[HEAD, loc] != 0:
            return 9  # place_stone relies on HEAD == 0 off stones
    if links[LIBS, 0] != 0:
        return 9
    return 0


@njit(cache=True, nogil=True)
def board_hash(color, zob):
    h = np.uint64(0)
    for loc in range(color.shape[0]):
        col = color[loc]
        if col == BLACK or col == WHITE:
            h ^= zob[col, loc]
    return h

"""Local features of the fast rollout policy, computed in Numba from the board arrays.

A candidate move ``loc`` for colour ``c`` is described by a few sparse features; its score
is the sum of their weights (a linear softmax, as AlphaGo's rollout policy):

- **3x3 pattern** (``pattern3_keys``): the 8 neighbours, each one of 8 states
  (empty, wall, own chain with 1/2/3+ liberties, enemy chain with 1/2/3+ liberties; for the
  diagonal neighbours only atari or not), packed 3 bits each into a 24-bit key relative to
  the side to move, hashed into ``N3`` slots.
- **tactics** (``tactics_index``): capture (by captured size), save-atari (extends an own
  chain in atari to 2+ liberties), self-atari (single stone or bigger), atari on an enemy
  chain, and the liberties the new stone's chain will have (1/2/3+): one joint index.
- **board position** (``POS_CLASS``): distances to the two nearest edges, clipped.
- **distance to the previous move and to the move before** (``dist_class``): relative offset
  class inside a (2R+1)^2 window, R = ``NEAR_R``.
- **12-point diamond response pattern** (``diamond_key``): the states of the 12 points within
  Manhattan distance 2 of the previous move (and the previous stone's own state) plus the
  candidate's offset, hashed into ``NRESP`` slots; only candidates in that diamond get it.

The first three depend only on the candidate's surroundings, so the rollout kernel caches
them per point and recomputes a point only when its neighbourhood changed (``rollout_policy``).
All weights live in one flat float32 array with the offsets below.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from go_engine.rules import board_kernels as bk

# --- weight layout: one flat float32 array ------------------------------------------------
N3_BITS = 20
N3 = 1 << N3_BITS          # hashed 3x3 patterns
NRESP_BITS = 18
NRESP = 1 << NRESP_BITS    # hashed diamond response patterns
NTAC = 256                 # joint tactical index (180 used)
NPOS = 64                  # edge-distance classes (49 used)
NEAR_R = 2                 # distance features: Chebyshev window radius around a previous move
NDIST = 8                  # offset classes in the window (5 used for R = 2)

OFF_W3 = 0
OFF_RESP = OFF_W3 + N3
OFF_TAC = OFF_RESP + NRESP
OFF_POS = OFF_TAC + NTAC
OFF_DIST1 = OFF_POS + NPOS
OFF_DIST2 = OFF_DIST1 + NDIST
N_WEIGHTS = OFF_DIST2 + NDIST

FEATURES_VERSION = 1  # bump when a key or index changes meaning; stored in weight files

# neighbour states relative to a colour; SWAP maps black-relative codes to white-relative
S_EMPTY, S_WALL = 0, 1
SWAP = np.array([0, 1, 5, 6, 7, 2, 3, 4], dtype=np.int64)

# the 12-point diamond around a point: (dr, dc) with 1 <= |dr| + |dc| <= 2
DIAMOND = np.array([(-2, 0), (-1, -1), (-1, 0), (-1, 1), (0, -2), (0, -1),
                    (0, 1), (0, 2), (1, -1), (1, 0), (1, 1), (2, 0)], dtype=np.int64)

_MIX = np.uint64(0x9E3779B97F4A7C15)


# state codes by table, indexed by color * 4 + min(libs, 3) (libs read as 0 on empty and
# wall cells, whose HEAD is the wall cell 0): no data-dependent branches, which matter
# more than anything else in these loops (neighbour colours are unpredictable)
STATE_OF = np.array([0, 0, 0, 0, 2, 2, 3, 4, 5, 5, 6, 7, 1, 1, 1, 1], dtype=np.int64)
DIAG_STATE_OF = np.array([0, 0, 0, 0, 2, 2, 3, 3, 5, 5, 6, 6, 1, 1, 1, 1], dtype=np.int64)


@njit(cache=True, nogil=True, inline="always")
def state_black(color, links, x):
    """State code of cell x seen by black: 0 empty, 1 wall, 2-4 black 1/2/3+ libs, 5-7 white."""
    return STATE_OF[color[x] * 4 + min(links[bk.LIBS, links[bk.HEAD, x]], 3)]


@njit(cache=True, nogil=True, inline="always")
def swap_state(s):
    """Black-relative state to white-relative (own <-> enemy)."""
    return SWAP[s]


@njit(cache=True, nogil=True, inline="always")
def diag_state_black(color, links, x):
    """Like ``state_black`` but liberties only as atari (1) or not (2+, coded as 2 libs)."""
    return DIAG_STATE_OF[color[x] * 4 + min(links[bk.LIBS, links[bk.HEAD, x]], 3)]


@njit(cache=True, nogil=True, inline="always")
def pattern3_keys(color, links, w, loc):
    """(key for black to play, key for white to play) of the 3x3 pattern around ``loc``:
    orthogonal neighbours with 1/2/3+ liberties, diagonal ones with atari or not."""
    kb = np.int64(0)
    kw = np.int64(0)
    for d in (-w, -1, 1, w):
        s = state_black(color, links, loc + d)
        kb = kb * 8 + s
        kw = kw * 8 + swap_state(s)
    for d in (-w - 1, -w + 1, w - 1, w + 1):
        s = diag_state_black(color, links, loc + d)
        kb = kb * 8 + s
        kw = kw * 8 + swap_state(s)
    return kb, kw


@njit(cache=True, nogil=True, inline="always")
def hash_index(key, bits):
    """Multiplicative hash of a non-negative int64 key into [0, 2**bits)."""
    return np.int64((np.uint64(key) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(64 - bits))


@njit(cache=True, nogil=True)
def chain_libs(color, links, w, hd, libs, lcache):
    """Store the ``libs`` (<= 3) liberties of the chain at ``hd`` in lcache[0:libs, hd]."""
    found = 0
    s = hd
    while found < libs:
        for e in (s - 1, s + 1, s - w, s + w):
            if color[e] == bk.EMPTY and found < libs:
                dup = False
                for j in range(found):
                    if lcache[j, hd] == e:
                        dup = True
                if not dup:
                    lcache[found, hd] = e
                    found += 1
        s = links[bk.NEXT, s]
        if s == hd:
            break


@njit(cache=True, nogil=True)
def tactics_index(color, links, w, loc, c, lcache, lstamp, sid):
    """Joint tactical feature of c playing empty ``loc``, or -1 when the move is suicide.

    Liberties after the move count the empty neighbours, the other liberties of the own
    chains it joins, and the enemy neighbours it captures (a lower bound, capped at 3).
    The liberties of chains with 3 or fewer are cached in ``lcache[:, head]`` (int64[3, A]),
    valid while ``lstamp[head] == sid``: callers change ``sid`` whenever the board changes."""
    opp = 3 - c
    # fast path, the common case: 3+ liberties for sure, nothing captured, no own atari
    ne = 0
    big_own = 0
    atari = 0
    slow = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == bk.EMPTY:
            ne += 1
        elif col == opp:
            libs = links[bk.LIBS, links[bk.HEAD, nb]]
            if libs == 1:
                slow = 1
            elif libs == 2:
                atari = 1
        elif col == c:
            libs = links[bk.LIBS, links[bk.HEAD, nb]]
            if libs == 1:
                slow = 1
            elif libs >= 4:
                big_own = 1
    if slow == 0 and (ne >= 3 or big_own == 1):
        return atari * 3 + 2
    l0 = np.int64(0)
    l1 = np.int64(0)
    l2 = np.int64(0)
    nlib = 0
    cap = 0
    ch0 = np.int64(0)
    ch1 = np.int64(0)
    ch2 = np.int64(0)
    atari = 0
    own_atari = 0
    size_own = 1
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == bk.EMPTY:
            if nlib == 0:
                l0 = nb
            elif nlib == 1:
                l1 = nb
            elif nlib == 2:
                l2 = nb
            nlib += 1
        elif col == opp:
            hd = links[bk.HEAD, nb]
            libs = links[bk.LIBS, hd]
            if libs == 1:
                # the captured stone's point becomes a liberty
                if nlib == 0:
                    l0 = nb
                elif nlib == 1:
                    l1 = nb
                elif nlib == 2:
                    l2 = nb
                nlib += 1
                if hd != ch0 and hd != ch1 and hd != ch2:
                    cap += links[bk.SIZE, hd]
                    if ch0 == 0:
                        ch0 = hd
                    elif ch1 == 0:
                        ch1 = hd
                    else:
                        ch2 = hd
            elif libs == 2:
                atari = 1
    o0 = np.int64(0)
    o1 = np.int64(0)
    o2 = np.int64(0)
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] != c:
            continue
        hd = links[bk.HEAD, nb]
        if hd == o0 or hd == o1 or hd == o2:
            continue
        if o0 == 0:
            o0 = hd
        elif o1 == 0:
            o1 = hd
        else:
            o2 = hd
        libs = links[bk.LIBS, hd]
        size_own += links[bk.SIZE, hd]
        if libs == 1:
            own_atari = 1
        if nlib >= 3:
            continue
        if libs >= 4:
            nlib = 3
            continue
        if lstamp[hd] != sid:
            chain_libs(color, links, w, hd, libs, lcache)
            lstamp[hd] = sid
        for j in range(libs):
            e = lcache[j, hd]
            if e != loc and e != l0 and e != l1 and e != l2 and nlib < 3:
                if nlib == 0:
                    l0 = e
                elif nlib == 1:
                    l1 = e
                else:
                    l2 = e
                nlib += 1
    if nlib == 0:
        return -1
    if nlib > 3:
        nlib = 3
    capb = 0 if cap == 0 else (1 if cap == 1 else (2 if cap <= 3 else (3 if cap <= 5 else 4)))
    save = 1 if (own_atari == 1 and nlib >= 2) else 0
    sa = 0
    if cap == 0 and nlib == 1:
        sa = 1 if size_own == 1 else 2
    return (((capb * 2 + save) * 3 + sa) * 2 + atari) * 3 + (nlib - 1)


def make_pos_class(n: int) -> np.ndarray:
    """int64[(n+2)^2]: edge-distance class of each cell (-1 on walls)."""
    w = n + 2
    out = np.full(w * w, -1, dtype=np.int64)
    for r in range(n):
        for col in range(n):
            a = min(r, n - 1 - r, 6)
            b = min(col, n - 1 - col, 6)
            lo, hi = min(a, b), max(a, b)
            out[(r + 1) * w + col + 1] = lo * 7 + hi
    return out


def _pos_class_formula(loc: int, n: int) -> int:
    w = n + 2
    r = loc // w - 1
    col = loc % w - 1
    a = min(min(r, n - 1 - r), 6)
    b = min(min(col, n - 1 - col), 6)
    return min(a, b) * 7 + max(a, b)


MAX_N = 25
# edge-distance class by (board size, loc) and row by (padded width, loc), for every size:
# kernels read these constant tables instead of dividing by the width (integer division
# costs tens of cycles; the refresh of a point needs its class, the row sums its row)
POS_CLASS_TABLE = np.array([[_pos_class_formula(loc, n) if n > 0 else 0 for loc in range((MAX_N + 2) ** 2)]
                            for n in range(MAX_N + 1)], dtype=np.int16)
ROW_TABLE = np.array([[loc // w if w > 0 else 0 for loc in range((MAX_N + 2) ** 2)]
                      for w in range(MAX_N + 3)], dtype=np.int16)


@njit(cache=True, nogil=True, inline="always")
def pos_class_of(loc, n):
    """``make_pos_class(n)[loc]`` by table (for kernels that get no class array); walls
    get junk."""
    return np.int64(POS_CLASS_TABLE[n, loc])


@njit(cache=True, nogil=True, inline="always")
def row_of(loc, w):
    """loc // w, by table."""
    return np.int64(ROW_TABLE[w, loc])


@njit(cache=True, nogil=True, inline="always")
def dist_class(dr, dc):
    """Offset class inside the window (both |dr|, |dc| <= NEAR_R, not both 0)."""
    a = abs(dr)
    b = abs(dc)
    lo = min(a, b)
    hi = max(a, b)
    return (hi - 1) * hi + lo  # hi=1: 0,1; hi=2: 2,3,4


@njit(cache=True, nogil=True, inline="always")
def diamond_key(color, links, w, last, c):
    """Key of the 12-point diamond around the previous move ``last`` (plus its own state),
    relative to c, the side to respond. Cells beyond the padded board read as walls."""
    rl = row_of(last, w)
    cl = last - rl * w
    key = np.int64(state_black(color, links, last))
    if c == bk.WHITE:
        key = swap_state(key)
    for k in range(12):
        r = rl + DIAMOND[k, 0]
        cc = cl + DIAMOND[k, 1]
        if r < 0 or r >= w or cc < 0 or cc >= w:
            s = 1
        else:
            s = state_black(color, links, r * w + cc)
            if c == bk.WHITE:
                s = swap_state(s)
        key = key * 8 + s
    return key


@njit(cache=True, nogil=True, inline="always")
def response_index(dkey, k):
    """Slot of the diamond pattern ``dkey`` answered at diamond offset k (0..11)."""
    return hash_index(dkey * 16 + k + 1, NRESP_BITS)


def decode_tactics(tac: int) -> dict:
    """The parts of a ``tactics_index`` value, for tests and inspection."""
    if tac < 0:
        return {"suicide": True}
    libs = tac % 3 + 1
    tac //= 3
    atari = tac % 2
    tac //= 2
    self_atari = tac % 3
    tac //= 3
    save = tac % 2
    capture = tac // 2
    return {"suicide": False, "capture_bucket": capture, "save_atari": bool(save),
            "self_atari": self_atari, "atari": bool(atari), "libs_after": libs}

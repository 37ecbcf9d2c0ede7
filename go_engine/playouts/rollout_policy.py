"""AlphaGo's fast rollout policy: a linear softmax over local pattern features, in Numba.

Features and the flat weight layout are in ``patterns``. This module has

- ``position_features``: every feature of every legal move of one position, from scratch
  (training, evaluation, tree priors, the greedy player; also the reference the
  incremental kernel is tested against);
- ``policy_playout``: a rollout in place (like ``uniform.random_playout``) that samples
  each move from the softmax. The cached features (3x3 pattern, tactics, position) are
  kept per point as exp(score) for both colours and recomputed only for points whose
  surroundings changed (see ``play_and_update``): typically the 3x3 around the new stone
  and the liberties of the chains it touched.
  The features of the previous two moves (distance, diamond response) touch at most
  2 * 24 points and are applied at sampling time. Own eyes are never filled; simple ko.
- ``policy_priors`` / ``rollout_priors``: move probabilities for tree priors;
- ``RolloutWeights`` and ``load_rollout_weights`` (npz, default ``data/rollout_{n}.npz``);
- ``RolloutPolicyPlayer``: plays the most probable move.

Speed (``go-engine bench rollout``): about 2.1-2.6 us of CPU per 19x19 move on the shared
dev VM (850-1,100 rollouts per CPU second). What made it so: the kernels work on
``board_kernels.borrow``-ed arrays, so the calls between them and their inlined helpers
cost no reference counting (atomic operations); the scattered loads from the hashed weight
tables (4 MB of 3x3 patterns, 1 MB of responses) are issued back to back, so that their
cache misses overlap, rather than one per branchy step; rows and edge classes come from
constant tables, not integer division. Profile (perf, cpu-clock): about half refreshing the
~6 dirty empty points per move (both colours; ``patterns.tactics_index`` next to weak
chains is a quarter of that), a quarter sampling, the rest the board update and marking.
Ideas not yet done: refreshing only the side to move; keeping chains' liberty lists
across moves.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numba import njit

from go_engine.atomic_io import write_atomic
from go_engine.npz_files import NpzFileError, load_npz, require_finite
from go_engine.rules import board_kernels as bk
from go_engine.playouts import patterns as pt
from go_engine.shipped import shipped_file
from go_engine.playouts.uniform import xorshift_next


# columns of the feature matrix: absolute indices into the flat weight array, -1 = absent
F_W3, F_TAC, F_POS, F_DIST1, F_DIST2, F_RESP = 0, 1, 2, 3, 4, 5
NFEAT = 6

# diamond offset (dr, dc) -> index 0..11, stored at (dr + 2) * 5 + (dc + 2); -1 elsewhere
DIAMOND_INDEX = np.full(25, -1, dtype=np.int64)
for _k, (_dr, _dc) in enumerate(pt.DIAMOND):
    DIAMOND_INDEX[(_dr + 2) * 5 + (_dc + 2)] = _k


RESP_SLOT = 51  # sample_move keeps the 12 response weights and a 1 in sval[RESP_SLOT:RESP_SLOT + 13]

# offset o = (dr + R) * (2R + 1) + dc + R in the window around a previous move -> distance
# class, and -> slot of its diamond response weight (12, the slot holding 1, outside the
# diamond and at the centre)
OFFSET_DIST = np.zeros((2 * pt.NEAR_R + 1) ** 2, dtype=np.int64)
OFFSET_RESP = np.full((2 * pt.NEAR_R + 1) ** 2, 12, dtype=np.int64)
for _dr in range(-pt.NEAR_R, pt.NEAR_R + 1):
    for _dc in range(-pt.NEAR_R, pt.NEAR_R + 1):
        _o = (_dr + pt.NEAR_R) * (2 * pt.NEAR_R + 1) + _dc + pt.NEAR_R
        if (_dr, _dc) != (0, 0):
            _a, _b = abs(_dr), abs(_dc)
            OFFSET_DIST[_o] = (max(_a, _b) - 1) * max(_a, _b) + min(_a, _b)  # patterns.dist_class
        if 1 <= abs(_dr) + abs(_dc) <= 2:
            OFFSET_RESP[_o] = DIAMOND_INDEX[(_dr + 2) * 5 + _dc + 2]

# --- features of one position, from scratch --------------------------------------------------

@njit(cache=True, nogil=True)
def position_features(color, links, info, pos_class, c, skip_eyes, locs, feats):
    """Fill locs[k] and feats[k, :] for every legal move of c (simple ko, no superko; own
    eyes left out when ``skip_eyes``); returns the number of moves. feats holds absolute
    indices into the weight array, -1 for a feature that does not apply."""
    n = info[bk.I_N]
    w = n + 2
    ko = info[bk.I_KO] if info[bk.I_KO_COLOR] == c else bk.NO_LOC
    last = info[bk.I_LAST]
    last2 = info[bk.I_LAST2]
    dkey = np.int64(0)
    if last > 0:
        dkey = pt.diamond_key(color, links, w, last, c)
    lcache = np.empty((3, w * w), np.int64)
    lstamp = np.zeros(w * w, np.int64)
    count = 0
    for r in range(1, n + 1):
        for col in range(1, n + 1):
            loc = r * w + col
            if color[loc] != bk.EMPTY or loc == ko:
                continue
            tac = pt.tactics_index(color, links, w, loc, c, lcache, lstamp, 1)
            if tac < 0:
                continue
            if skip_eyes and bk.is_eye(color, w, loc, c):
                continue
            kb, kw = pt.pattern3_keys(color, links, w, loc)
            key = kb if c == bk.BLACK else kw
            locs[count] = loc
            feats[count, F_W3] = pt.OFF_W3 + pt.hash_index(key, pt.N3_BITS)
            feats[count, F_TAC] = pt.OFF_TAC + tac
            feats[count, F_POS] = pt.OFF_POS + pos_class[loc]
            feats[count, F_DIST1] = -1
            feats[count, F_DIST2] = -1
            feats[count, F_RESP] = -1
            if last > 0:
                dr = r - last // w
                dc = col - last % w
                if abs(dr) <= pt.NEAR_R and abs(dc) <= pt.NEAR_R:
                    feats[count, F_DIST1] = pt.OFF_DIST1 + pt.dist_class(dr, dc)
                    if abs(dr) + abs(dc) <= 2:
                        k = DIAMOND_INDEX[(dr + 2) * 5 + dc + 2]
                        feats[count, F_RESP] = pt.OFF_RESP + pt.response_index(dkey, k)
            if last2 > 0:
                dr = r - last2 // w
                dc = col - last2 % w
                if abs(dr) <= pt.NEAR_R and abs(dc) <= pt.NEAR_R:
                    feats[count, F_DIST2] = pt.OFF_DIST2 + pt.dist_class(dr, dc)
            count += 1
    return count


@njit(cache=True, nogil=True)
def feature_scores(weights, feats, count, out):
    """out[k] = sum of the weights of move k's features; returns the maximum."""
    best = -1e30
    for k in range(count):
        s = 0.0
        for f in range(NFEAT):
            i = feats[k, f]
            if i >= 0:
                s += weights[i]
        out[k] = s
        if s > best:
            best = s
    return best


@njit(cache=True, nogil=True)
def policy_priors(color, links, info, weights, locs, count, out):
    """Tree priors: out[k] = softmax probability of c = to_play playing locs[k] among
    locs[0:count] (moves not legal get 0); out[count] (the pass) gets 0. Own eyes included."""
    n = info[bk.I_N]
    c = info[bk.I_TO_PLAY]
    all_locs = np.empty(n * n, np.int64)
    feats = np.empty((n * n, NFEAT), np.int64)
    scores = np.empty(n * n, np.float64)
    w = n + 2
    pos_class = np.empty(w * w, np.int64)
    for loc in range(w * w):
        pos_class[loc] = pt.pos_class_of(loc, n)  # walls get junk, never read
    m = position_features(color, links, info, pos_class, c, False, all_locs, feats)
    best = feature_scores(weights, feats, m, scores)
    prob = np.zeros(color.shape[0], np.float64)
    total = 0.0
    for k in range(m):
        e = math.exp(scores[k] - best)
        prob[all_locs[k]] = e
        total += e
    for k in range(count):
        loc = locs[k]
        out[k] = prob[loc] / total if (loc > 0 and total > 0.0) else 0.0
    out[count] = 0.0


# --- the incremental rollout kernel ------------------------------------------------------------

@njit(cache=True, nogil=True, inline="always")
def _lone_tactics(ne, atari):
    """``tactics_index`` of a stone joining no chain and capturing nothing: ``ne`` empty
    neighbours are its liberties (0: suicide; 1: self-atari of one stone)."""
    if ne == 0:
        return np.int64(-1)
    sa = 1 if ne == 1 else 0
    return (np.int64(sa) * 2 + np.int64(atari)) * 3 + (min(ne, 3) - 1)


@njit(cache=True, nogil=True, inline="always")
def _load_w3(color, links, w, loc, ew, ecache):
    """First half of a point refresh: store the 3x3-pattern weights of both colours at
    loc in ecache[:, loc] (where ``_refresh_point`` finds them). Split off so that the
    refresh of a batch of points loads all these scattered weights (a 4 MB table, mostly
    cache misses) back to back, letting the misses overlap."""
    kb, kw = pt.pattern3_keys(color, links, w, loc)
    ecache[0, loc] = ew[pt.OFF_W3 + pt.hash_index(kb, pt.N3_BITS)]
    ecache[1, loc] = ew[pt.OFF_W3 + pt.hash_index(kw, pt.N3_BITS)]


@njit(cache=True, nogil=True, inline="always")
def _refresh_point(color, links, w, loc, ew, ecache, lcache, lstamp, sid):
    """Recompute exp(cached score) of both colours at loc (0 if occupied, suicide, own eye),
    given the pattern weights ``_load_w3`` left in ecache[:, loc] (read only when empty).

    ``ew`` = exp(weights). One read of the neighbours serves both colours and the common
    tactical case; ``patterns.tactics_index`` runs only near weak chains."""
    if color[loc] != bk.EMPTY:
        ecache[0, loc] = 0.0
        ecache[1, loc] = 0.0
        return
    ne = 0
    slow = False
    big_b = False
    big_w = False
    atari_b = False  # black's move here ataris a white chain
    atari_w = False
    adj_b = False  # any black orthogonal neighbour
    adj_w = False
    n_b = 0  # black stones or walls around (eye candidates)
    n_w = 0
    for d in (-w, -1, 1, w):
        x = loc + d
        col = color[x]
        libs = links[bk.LIBS, links[bk.HEAD, x]]  # 0 on empty and wall cells
        is_b = col == bk.BLACK
        is_w = col == bk.WHITE
        ne += col == bk.EMPTY
        slow |= libs == 1
        n_b += is_b | (col == bk.WALL)
        n_w += is_w | (col == bk.WALL)
        atari_w |= is_b & (libs == 2)
        atari_b |= is_w & (libs == 2)
        adj_b |= is_b
        adj_w |= is_w
        big_b |= is_b & (libs >= 4)
        big_w |= is_w & (libs >= 4)
    base = ew[pt.OFF_POS + pt.pos_class_of(loc, w - 2)]
    w3b = np.float32(ecache[0, loc])
    w3w = np.float32(ecache[1, loc])
    # black
    # tactics without the full reader when no chain around is in atari and either 3+
    # liberties are certain or no own chain joins (then the liberties are the empty points)
    if not slow and (ne >= 3 or big_b):
        tac = np.int64(atari_b) * 3 + 2
    elif not slow and not adj_b:
        tac = _lone_tactics(ne, atari_b)
    else:
        tac = pt.tactics_index(color, links, w, loc, bk.BLACK, lcache, lstamp, sid)
    if tac < 0 or (n_b == 4 and bk.is_eye(color, w, loc, bk.BLACK)):
        ecache[0, loc] = 0.0
    else:
        ecache[0, loc] = base * w3b * ew[pt.OFF_TAC + tac]
    # white
    if not slow and (ne >= 3 or big_w):
        tac = np.int64(atari_w) * 3 + 2
    elif not slow and not adj_w:
        tac = _lone_tactics(ne, atari_w)
    else:
        tac = pt.tactics_index(color, links, w, loc, bk.WHITE, lcache, lstamp, sid)
    if tac < 0 or (n_w == 4 and bk.is_eye(color, w, loc, bk.WHITE)):
        ecache[1, loc] = 0.0
    else:
        ecache[1, loc] = base * w3w * ew[pt.OFF_TAC + tac]


@njit(cache=True, nogil=True, inline="always")
def _mark(dirty, dlist, nd, x):
    if dirty[x] == 0:
        dirty[x] = 1
        dlist[nd] = x
        nd += 1
    return nd


@njit(cache=True, nogil=True, inline="always")
def _mark3(dirty, dlist, nd, w, x):
    for d in (-w - 1, -w, -w + 1, -1, 0, 1, w - 1, w, w + 1):
        nd = _mark(dirty, dlist, nd, x + d)
    return nd


@njit(cache=True, nogil=True, inline="always")
def _mark_chain(links, dirty, dlist, nd, w, hd):
    s = hd
    while True:
        nd = _mark3(dirty, dlist, nd, w, s)
        s = links[bk.NEXT, s]
        if s == hd:
            break
    return nd


@njit(cache=True, nogil=True)
def _rebuild_rows(ecache, rows, n, w):
    for r in range(1, n + 1):
        s0 = 0.0
        s1 = 0.0
        for col in range(1, n + 1):
            s0 += ecache[0, r * w + col]
            s1 += ecache[1, r * w + col]
        rows[0, r] = s0
        rows[1, r] = s1


@njit(cache=True, nogil=True, inline="always")
def _mark_libs(color, links, dirty, dlist, nd, w, hd):
    s = hd
    while True:
        for e in (s - 1, s + 1, s - w, s + w):
            if color[e] == bk.EMPTY:
                nd = _mark(dirty, dlist, nd, e)
        s = links[bk.NEXT, s]
        if s == hd:
            break
    return nd


@njit(cache=True, nogil=True)
def play_and_update(color, links, info, zob, loc, c, ew, ecache, rows,
                    dirty, dlist, stamp, capbuf, lcache, lstamp, move_id):
    """Place c at legal ``loc`` and refresh the cached scores of every point whose cached
    features may have changed. ``stamp`` (int64[A]) marks chains seen in this move.

    A point's cached features read its 3x3 cells, the liberty counts (1/2/3+) and, for
    chains of 3 or fewer, the liberty sets and sizes of its orthogonal neighbour chains,
    and whether its diagonal neighbours are in atari. So beyond the 3x3 around the new
    stone and around captured stones, a touched chain (merged, lost or gained liberties)
    dirties its liberties when it has or had 3 or fewer, and its whole 3x3 surroundings
    when it enters or leaves atari."""
    color, links, info, zob, ew, ecache = (bk.borrow(color), bk.borrow(links), bk.borrow(info),
                                           bk.borrow(zob), bk.borrow(ew), bk.borrow(ecache))
    rows, dirty, dlist, stamp = bk.borrow(rows), bk.borrow(dirty), bk.borrow(dlist), bk.borrow(stamp)
    capbuf, lcache, lstamp = bk.borrow(capbuf), bk.borrow(lcache), bk.borrow(lstamp)
    n = info[bk.I_N]
    w = n + 2
    opp = 3 - c
    own_min_libs = 1 << 30
    ncap = 0
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        col = color[nb]
        if col == c:
            libs = links[bk.LIBS, links[bk.HEAD, nb]]
            if libs < own_min_libs:
                own_min_libs = libs
        elif col == opp:
            hd = links[bk.HEAD, nb]
            if links[bk.LIBS, hd] == 1 and stamp[hd] != move_id:
                stamp[hd] = move_id
                s = hd
                while True:
                    capbuf[ncap] = s
                    ncap += 1
                    s = links[bk.NEXT, s]
                    if s == hd:
                        break
    bk.place_stone_inline(color, links, info, zob, np.uint64(0), loc, c)
    nd = 0
    nd = _mark3(dirty, dlist, nd, w, loc)
    hd = links[bk.HEAD, loc]
    stamp[hd] = move_id
    new_libs = links[bk.LIBS, hd]
    if own_min_libs == 1 or new_libs == 1:
        nd = _mark_chain(links, dirty, dlist, nd, w, hd)
    elif new_libs <= 3 or own_min_libs <= 3:
        nd = _mark_libs(color, links, dirty, dlist, nd, w, hd)
    for nb in (loc - 1, loc + 1, loc - w, loc + w):
        if color[nb] == opp:
            h2 = links[bk.HEAD, nb]
            if stamp[h2] != move_id:
                stamp[h2] = move_id
                libs = links[bk.LIBS, h2]
                if libs == 1:
                    nd = _mark_chain(links, dirty, dlist, nd, w, h2)
                elif libs <= 3:
                    nd = _mark_libs(color, links, dirty, dlist, nd, w, h2)
    for i in range(ncap):
        s = capbuf[i]
        nd = _mark3(dirty, dlist, nd, w, s)
        for nb in (s - 1, s + 1, s - w, s + w):
            if color[nb] == c:
                h2 = links[bk.HEAD, nb]
                if stamp[h2] != move_id:
                    stamp[h2] = move_id
                    nd = _mark_chain(links, dirty, dlist, nd, w, h2)
    # the empty points among them, appended after the list without a branch, then their
    # pattern weights loaded in one tight loop
    ne = 0
    for i in range(nd):
        x = dlist[i]
        dlist[nd + ne] = x
        ne += color[x] == bk.EMPTY
    for i in range(nd, nd + ne):
        _load_w3(color, links, w, dlist[i], ew, ecache)
    for i in range(nd):
        x = dlist[i]
        dirty[x] = 0
        if color[x] != bk.WALL:
            _refresh_point(color, links, w, x, ew, ecache, lcache, lstamp, move_id)
    # rows touched: listed after the empties, then their sums recomputed from scratch (no
    # drift), two rows at a time so that the two chains of additions overlap
    r0 = nd + ne
    nr = r0
    for i in range(nd):
        r = pt.row_of(dlist[i], w)
        if 1 <= r <= n and dirty[r * w] == 0:
            dirty[r * w] = 1  # the row's left wall cell doubles as the row flag
            dlist[nr] = r
            nr += 1
    for j in range(r0, nr, 2):
        ra = dlist[j]
        rb = dlist[j + 1] if j + 1 < nr else ra
        sa0 = 0.0
        sa1 = 0.0
        sb0 = 0.0
        sb1 = 0.0
        for col in range(ra * w + 1, ra * w + n + 1):
            d = col + (rb - ra) * w
            sa0 += ecache[0, col]
            sa1 += ecache[1, col]
            sb0 += ecache[0, d]
            sb1 += ecache[1, d]
        rows[0, ra] = sa0
        rows[1, ra] = sa1
        rows[0, rb] = sb0
        rows[1, rb] = sb1
        dirty[ra * w] = 0
        dirty[rb * w] = 0
    return nd


@njit(cache=True, nogil=True, inline="always")
def _uniform(state):
    return np.float64(xorshift_next(state) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, nogil=True)
def sample_move(color, links, info, ew, ecache, rows, state, sidx, sloc, sval):
    """Draw a move for c = to_play from the softmax, or PASS_LOC when none is left.

    The cached exp-scores give the distribution of the local features; the (at most 48)
    points near the previous two moves are reweighted by their distance and response
    features, the ko point is removed. ``sidx`` (int64[A], all -1) maps a loc to its slot."""
    color, links, info, ew, ecache = (bk.borrow(color), bk.borrow(links), bk.borrow(info),
                                      bk.borrow(ew), bk.borrow(ecache))
    rows, state, sidx, sloc, sval = (bk.borrow(rows), bk.borrow(state), bk.borrow(sidx),
                                     bk.borrow(sloc), bk.borrow(sval))
    n = info[bk.I_N]
    w = n + 2
    c = info[bk.I_TO_PLAY]
    ci = c - 1
    last = info[bk.I_LAST]
    last2 = info[bk.I_LAST2]
    ns = 0
    R = pt.NEAR_R
    # Points of the (2R+1)^2 windows are appended whether or not they are playable and
    # only counted when they are (no unpredictable branch per point); an unplayable one is
    # overwritten by the next.
    if last > 0:
        dkey = pt.diamond_key(color, links, w, last, c)
        # the 12 response weights, loaded back to back (they are scattered over a 1 MB
        # table: independent loads overlap their cache misses) into free slots of sval
        # (at most 24 + 24 + 1 points are reweighted), and a 1 for the other offsets
        for k in range(12):
            sval[RESP_SLOT + k] = ew[pt.OFF_RESP + pt.response_index(dkey, k)]
        sval[RESP_SLOT + 12] = 1.0
        rl = pt.row_of(last, w)
        cl = last - rl * w
        for dr in range(-R, R + 1):
            r = rl + dr
            if r < 1 or r > n:
                continue
            for dc in range(-R, R + 1):
                cc = cl + dc
                if cc < 1 or cc > n or (dr == 0 and dc == 0):
                    continue
                x = r * w + cc
                o = (dr + R) * (2 * R + 1) + dc + R
                live = ecache[ci, x] != 0.0
                sloc[ns] = x
                sval[ns] = np.float64(ew[pt.OFF_DIST1 + OFFSET_DIST[o]]) * sval[RESP_SLOT + OFFSET_RESP[o]]
                sidx[x] = ns if live else -1
                ns += live
    if last2 > 0:
        rl = pt.row_of(last2, w)
        cl = last2 - rl * w
        for dr in range(-R, R + 1):
            r = rl + dr
            if r < 1 or r > n:
                continue
            for dc in range(-R, R + 1):
                cc = cl + dc
                if cc < 1 or cc > n or (dr == 0 and dc == 0):
                    continue
                x = r * w + cc
                o = (dr + R) * (2 * R + 1) + dc + R
                f = np.float64(ew[pt.OFF_DIST2 + OFFSET_DIST[o]])
                j = sidx[x]
                if j >= 0:
                    sval[j] *= f
                else:
                    live = ecache[ci, x] != 0.0
                    sloc[ns] = x
                    sval[ns] = f
                    sidx[x] = ns if live else -1
                    ns += live
    ko = info[bk.I_KO]
    if ko != bk.NO_LOC and info[bk.I_KO_COLOR] == c and ecache[ci, ko] > 0.0:
        j = sidx[ko]
        if j >= 0:
            sval[j] = 0.0
        else:
            sidx[ko] = ns
            sloc[ns] = ko
            sval[ns] = 0.0
            ns += 1
    total = 0.0
    for r in range(1, n + 1):
        total += rows[ci, r]
    s_static = 0.0
    s_dyn = 0.0
    for j in range(ns):
        e = ecache[ci, sloc[j]]
        s_static += e
        sval[j] *= e
        s_dyn += sval[j]
    rest = total - s_static
    if rest < 1e-9 * total:
        rest = 0.0
    z = rest + s_dyn
    move = bk.PASS_LOC
    if z > 0.0:
        u = _uniform(state) * z
        if u < s_dyn or rest == 0.0:
            acc = 0.0
            for j in range(ns):
                acc += sval[j]
                if sval[j] > 0.0:
                    move = sloc[j]
                if acc > u:
                    break
        else:
            # draw from the cached distribution, rejecting the reweighted points
            for _ in range(64):
                v = _uniform(state) * total
                r = 1
                while r < n and v >= rows[ci, r]:
                    v -= rows[ci, r]
                    r += 1
                x = r * w + 1
                end = r * w + n
                while x < end and (v >= ecache[ci, x] or ecache[ci, x] == 0.0):
                    v -= ecache[ci, x]
                    x += 1
                if ecache[ci, x] > 0.0 and sidx[x] < 0:
                    move = x
                    break
            if move == bk.PASS_LOC:  # float dust: fall back on the reweighted points
                acc = 0.0
                u = _uniform(state) * s_dyn
                for j in range(ns):
                    acc += sval[j]
                    if sval[j] > 0.0:
                        move = sloc[j]
                    if acc > u:
                        break
    for j in range(ns):
        sidx[sloc[j]] = -1
    return move


@njit(cache=True, nogil=True)
def policy_scratch(w):
    """The work arrays of a policy playout on a board padded to width w (n + 2):
    (ecache, rows, dirty, dlist, stamp, capbuf, sidx, sloc, sval, lcache, lstamp)."""
    cells = w * w
    return (np.zeros((2, cells), np.float64), np.zeros((2, w), np.float64),
            np.zeros(cells, np.uint8), np.empty(cells * 9 + 16, np.int64), np.zeros(cells, np.int64),
            np.empty(cells, np.int64), np.full(cells, -1, np.int64), np.empty(64, np.int64),
            np.empty(64, np.float64), np.empty((3, cells), np.int64), np.full(cells, -1, np.int64))


@njit(cache=True, nogil=True)
def prepare_scores(color, links, info, ew, ecache, rows, lcache, lstamp):
    """Fill ecache (exp-scores of both colours at every point) and rows (their row sums) for
    the position: the state a playout starts from. Several playouts from one position
    compute it once and copy it (``prepared_start``, ``policy_playout_repeat``)."""
    n = info[bk.I_N]
    w = n + 2
    for r in range(1, n + 1):
        for col in range(1, n + 1):
            _load_w3(color, links, w, r * w + col, ew, ecache)
            _refresh_point(color, links, w, r * w + col, ew, ecache, lcache, lstamp, 0)
    _rebuild_rows(ecache, rows, n, w)


@njit(cache=True, nogil=True)
def policy_playout(color, links, info, zob, ew, state, max_moves):
    """Play the position out in place with moves sampled from the rollout policy; return
    the number of moves played (passes included). Stops at two passes or ``max_moves``.
    ``ew``: exp of the flat weight array (``RolloutWeights.ew``), the only policy input;
    ``state``: uint64[1] xorshift state."""
    w = info[bk.I_N] + 2
    ecache, rows, dirty, dlist, stamp, capbuf, sidx, sloc, sval, lcache, lstamp = policy_scratch(w)
    prepare_scores(color, links, info, ew, ecache, rows, lcache, lstamp)
    return _policy_playout(color, links, info, zob, ew, state, max_moves, ecache, rows, dirty,
                           dlist, stamp, capbuf, sidx, sloc, sval, lcache, lstamp)


@njit(cache=True, nogil=True)
def _policy_playout(color, links, info, zob, ew, state, max_moves, ecache, rows, dirty,
                    dlist, stamp, capbuf, sidx, sloc, sval, lcache, lstamp):
    """``policy_playout`` on scratch arrays the caller allocated (and keeps alive: the loop
    works on ``borrow``-ed views, so calls between the kernels cost no reference counting)
    and filled: ecache and rows by ``prepare_scores``; stamp 0, lstamp -1, sidx -1, dirty 0."""
    color, links, info, zob, ew, state = (bk.borrow(color), bk.borrow(links), bk.borrow(info),
                                          bk.borrow(zob), bk.borrow(ew), bk.borrow(state))
    ecache, rows, dirty, dlist = bk.borrow(ecache), bk.borrow(rows), bk.borrow(dirty), bk.borrow(dlist)
    stamp, capbuf, sidx, sloc = bk.borrow(stamp), bk.borrow(capbuf), bk.borrow(sidx), bk.borrow(sloc)
    sval, lcache, lstamp = bk.borrow(sval), bk.borrow(lcache), bk.borrow(lstamp)
    moves = 0
    while moves < max_moves and info[bk.I_PASSES] < 2:
        c = info[bk.I_TO_PLAY]
        loc = sample_move(color, links, info, ew, ecache, rows, state, sidx, sloc, sval)
        if loc == bk.PASS_LOC:
            bk.play_pass(info, c)
        else:
            play_and_update(color, links, info, zob, loc, c, ew, ecache, rows,
                            dirty, dlist, stamp, capbuf, lcache, lstamp, moves + 1)
        moves += 1
    return moves


@njit(cache=True, nogil=True)
def prepared_start(color, links, info, ew):
    """(scratch, ecache0, rows0) for several playouts from one position: the work arrays and
    the starting scores, computed once (``policy_playout_repeat`` copies them per playout)."""
    scratch = policy_scratch(info[bk.I_N] + 2)
    ecache0 = np.zeros_like(scratch[0])
    rows0 = np.zeros_like(scratch[1])
    prepare_scores(color, links, info, ew, ecache0, rows0, scratch[9], scratch[10])
    return scratch, ecache0, rows0


@njit(cache=True, nogil=True)
def policy_playout_repeat(color, links, info, zob, ew, state, max_moves, ecache0, rows0,
                          wcolor, wlinks, winfo, scratch):
    """One policy playout of (color, links, info) on the copy (wcolor, wlinks, winfo), starting
    from scores ``prepare_scores`` left in ecache0/rows0 (computed once for many playouts
    from one position); ``scratch`` from ``policy_scratch``. Returns the moves played."""
    ecache, rows, dirty, dlist, stamp, capbuf, sidx, sloc, sval, lcache, lstamp = scratch
    wcolor[:] = color
    wlinks[:, :] = links
    winfo[:] = info
    ecache[:, :] = ecache0
    rows[:, :] = rows0
    stamp[:] = 0
    lstamp[:] = -1
    return _policy_playout(wcolor, wlinks, winfo, zob, ew, state, max_moves, ecache, rows, dirty,
                           dlist, stamp, capbuf, sidx, sloc, sval, lcache, lstamp)


@njit(cache=True, nogil=True)
def cached_scores(color, links, info, ew, ecache):
    """Fill ecache (float64[2, A]) from scratch, as ``policy_playout`` starts (tests compare
    it with the incrementally maintained cache)."""
    n = info[bk.I_N]
    w = n + 2
    ecache[:, :] = 0.0
    lcache = np.empty((3, w * w), np.int64)
    lstamp = np.full(w * w, -1, np.int64)
    for r in range(1, n + 1):
        for col in range(1, n + 1):
            _load_w3(color, links, w, r * w + col, ew, ecache)
            _refresh_point(color, links, w, r * w + col, ew, ecache, lcache, lstamp, 0)


# --- weights ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RolloutWeights:
    """Weights of one board size: the flat float32 array of ``patterns`` plus metadata."""

    n: int
    weights: np.ndarray
    pos_class: np.ndarray = field(repr=False)
    meta: dict = field(default_factory=dict)
    ew: np.ndarray = field(init=False, repr=False)  # exp(weights), what the rollout kernel reads

    def __post_init__(self) -> None:
        object.__setattr__(self, "ew", np.exp(self.weights).astype(np.float32))

    @classmethod
    def zeros(cls, n: int) -> "RolloutWeights":
        return cls(n, np.zeros(pt.N_WEIGHTS, np.float32), pt.make_pos_class(n), {})


def default_weights_path(n: int) -> Path:
    return shipped_file(f"rollout_{n}.npz")


def load_rollout_weights(path: str | os.PathLike | None = None, n: int | None = None) -> RolloutWeights:
    """Load weights from an npz file (``path``, or ``data/rollout_{n}.npz``)."""
    if path is None:
        if n is None:
            raise ValueError("give a weight file or a board size")
        path = default_weights_path(n)
        if not path.exists():
            raise FileNotFoundError(
                f"no rollout-policy weights for {n}x{n} ({path} is missing); train them with "
                f"`go-engine train rollout --sgf ARCHIVES --out {path}`")
    z = load_npz(path, "rollout-policy weight")
    for key in ("weights", "board_size", "features_version"):
        if key not in z:
            raise NpzFileError(f"{path}: not a rollout-policy weight file (no {key!r})")
    require_finite(path, {"weights": z["weights"]}, "rollout-policy weight")
    try:
        weights = np.ascontiguousarray(z["weights"], dtype=np.float32)
        size = int(z["board_size"])
        version = int(z["features_version"])
    except (TypeError, ValueError) as e:
        raise NpzFileError(f"{path}: not a rollout-policy weight file ({e})") from None
    meta = {k: v.item() if v.ndim == 0 else v.tolist() for k, v in z.items() if k != "weights"}
    if version != pt.FEATURES_VERSION or weights.shape != (pt.N_WEIGHTS,):
        raise ValueError(f"{path}: features version {version} / {weights.shape[0]} weights, this "
                         f"engine needs version {pt.FEATURES_VERSION} / {pt.N_WEIGHTS}: retrain")
    if n is not None and size != n:
        raise ValueError(f"{path} holds {size}x{size} weights, not {n}x{n}")
    return RolloutWeights(size, weights, pt.make_pos_class(size), meta)


def save_rollout_weights(path: str | os.PathLike, rw: RolloutWeights, **meta) -> None:
    """Write an npz atomically (``write_atomic``: unique temp file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = {k: np.asarray(v) for k, v in meta.items()}
    arrays = dict(weights=rw.weights.astype(np.float32), board_size=np.int64(rw.n),
                  features_version=np.int64(pt.FEATURES_VERSION), **extra)
    require_finite(path, {"weights": arrays["weights"]}, "rollout-policy weight")
    write_atomic(path, lambda handle: np.savez_compressed(handle, **arrays))


# --- Python-level helpers ----------------------------------------------------------------------

def move_probabilities(position, rw: RolloutWeights, skip_eyes: bool = False) -> np.ndarray:
    """float64[n*n + 1]: the policy's probability of each point for the side to move (pass 0)."""
    n = position.n
    c = position.to_play
    locs = np.empty(n * n, np.int64)
    feats = np.empty((n * n, NFEAT), np.int64)
    scores = np.empty(n * n, np.float64)
    m = position_features(position.color, position.links, position.info, rw.pos_class, c,
                          skip_eyes, locs, feats)
    out = np.zeros(n * n + 1, np.float64)
    if m == 0:
        return out
    best = feature_scores(rw.weights, feats, m, scores)
    e = np.exp(scores[:m] - best)
    out[position.l2p[locs[:m]]] = e / e.sum()
    return out


def rollout_priors(position, rw: RolloutWeights) -> np.ndarray:
    """AlphaGo's cheap tree policy: probabilities over points (index n*n = pass, 0)."""
    return move_probabilities(position, rw, skip_eyes=False)

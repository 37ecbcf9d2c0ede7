"""Uniform random playouts: the fused Numba move loop (inlined helpers on borrowed arrays)
must play exactly the game that a slow reference plays from the same random state, where
the reference decides legality with ``legal_status`` (simple ko) and ``is_eye`` and places
stones with the callable ``place_stone``."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.playouts.uniform import rand_below, random_playout
from go_engine.rules.conventions import playout_move_cap
from go_engine.rules.position import ZOBRIST, Position
from go_engine.search.priors import no_policy
from go_engine.search.drivers import PLAYOUT_HEURISTIC, PLAYOUT_RANDOM, playout_batch


def _reference_pick(color, links, info, state, c):
    """The playout's move choice written out slowly: same draws, same swap-out window."""
    w = int(info[bk.I_N]) + 2
    k = int(info[bk.I_NEMPTY])
    ko = int(info[bk.I_KO]) if int(info[bk.I_KO_COLOR]) == c else bk.NO_LOC
    empty_hist = np.zeros(1, np.uint64)
    while k > 0:
        i = int(rand_below(state, k))
        loc = int(links[bk.ELIST, i])
        ok = (loc != ko
              and bk.legal_status(color, links, info, ZOBRIST, empty_hist, 0, loc, c) == bk.LEGAL
              and not bk.is_eye(color, w, loc, c))
        if ok:
            return loc
        k -= 1
        other = int(links[bk.ELIST, k])
        links[bk.ELIST, i] = other
        links[bk.EPOS, other] = i
        links[bk.ELIST, k] = loc
        links[bk.EPOS, loc] = k
    return bk.PASS_LOC


def _reference_playout(color, links, info, state, max_moves):
    c = int(info[bk.I_TO_PLAY])
    moves = 0
    first = {}
    while moves < max_moves and info[bk.I_PASSES] < 2:
        loc = _reference_pick(color, links, info, state, c)
        if loc == bk.PASS_LOC:
            bk.play_pass(info, c)
        else:
            bk.place_stone(color, links, info, ZOBRIST, np.uint64(0), loc, c)
            first.setdefault(loc, moves)
        c = 3 - c
        moves += 1
    return moves, first


@pytest.mark.parametrize("n,games", [(5, 6), (9, 4), (19, 1)])
def test_fused_playout_matches_reference(n, games):
    start = Position(n)
    for m in ((n // 2) * (n + 1), 0, n * n - 1):  # a few opening stones
        start.play(m)
    for g in range(games):
        seed = np.array([0x9E3779B97F4A7C15 * (g + 1) % 2**64 | 1], np.uint64)
        fast = start.copy()
        ref = start.copy()
        recd = start.copy()
        s_fast, s_ref, s_rec = seed.copy(), seed.copy(), seed.copy()
        max_moves = playout_move_cap(n)
        mf = random_playout(fast.color, fast.links, fast.info, ZOBRIST, s_fast, max_moves, False,
                            np.empty(0, np.int32), 0)
        mr, first = _reference_playout(ref.color, ref.links, ref.info, s_ref, max_moves)
        first_ply = np.full(recd.color.shape[0], -1, np.int32)
        mrec = random_playout(recd.color, recd.links, recd.info, ZOBRIST, s_rec, max_moves, True, first_ply, 0)
        assert mf == mr == mrec
        for q in (fast, recd):
            assert np.array_equal(q.color, ref.color)
            assert np.array_equal(q.links, ref.links)
            assert np.array_equal(q.info, ref.info)
        assert s_fast[0] == s_ref[0] == s_rec[0]
        assert {int(x): int(first_ply[x]) for x in np.flatnonzero(first_ply >= 0)} == first
        assert bk.check_links(fast.color, fast.links, fast.info) == 0


@pytest.mark.parametrize("kind", [PLAYOUT_RANDOM, PLAYOUT_HEURISTIC])
def test_playout_batch_leaves_input_untouched_and_counts(kind):
    pos = Position(9)
    before = (pos.color.copy(), pos.links.copy(), pos.info.copy())
    wins, total = playout_batch(kind, pos.color, pos.links, pos.info, ZOBRIST, no_policy(), 3, 50,
                                playout_move_cap(9), 7.0)
    assert 0 <= wins <= 50 and 50 * 60 < total < 50 * playout_move_cap(9)
    assert np.array_equal(pos.color, before[0]) and np.array_equal(pos.links, before[1])
    assert np.array_equal(pos.info, before[2])

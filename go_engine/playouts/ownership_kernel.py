"""``ownership_counts``: who owns each point at the end of K nakade playouts from a position.
The players' life-and-death verdicts (``players.ownership``) and the value net's ownership
targets (``training.value_expert``) both count with it."""
from __future__ import annotations

import numpy as np
from numba import njit

from go_engine.playouts.heuristic import RULE_NAKADE, heuristic_playout
from go_engine.rules import board_kernels as bk


@njit(cache=True, nogil=True)
def ownership_counts(color, links, info, zob, seed, count, max_moves, black_owned, white_owned):
    """Run ``count`` playouts from the given arrays (left untouched) and add, per loc, how
    often black and white own it at the end. Passes so far are forgotten, so that the
    position after the game's two closing passes is still played out. Returns ``count``."""
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    wcolor = np.empty_like(color)
    wlinks = np.empty_like(links)
    winfo = np.empty_like(info)
    owner = np.empty_like(color)
    no_record = np.empty(0, np.int32)
    n = info[bk.I_N]
    for _ in range(count):
        wcolor[:] = color
        wlinks[:, :] = links
        winfo[:] = info
        winfo[bk.I_PASSES] = 0  # a finished game (two passes) is played on to settle it
        heuristic_playout(wcolor, wlinks, winfo, zob, state, max_moves, False, no_record, 0, RULE_NAKADE)
        bk.area_owner(wcolor, n, owner)
        for loc in range(owner.shape[0]):
            if owner[loc] == bk.BLACK:
                black_owned[loc] += 1
            elif owner[loc] == bk.WHITE:
                white_owned[loc] += 1
    return count

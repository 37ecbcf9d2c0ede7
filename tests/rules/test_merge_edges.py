"""Chain merges and captures along the board edge and in the corners, where ``place_stone``'s
branch-free liberty count reads cells next to wall cells (past the ends of the HEAD row):
whole random games on small boards, where most stones touch a wall, keep every invariant
(``check_links``: chains, exact liberties, empty list, neighbour counts) after every move."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.playouts.uniform import pick_random_move
from go_engine.rules import board_kernels as bk
from go_engine.rules.position import ZOBRIST, Position


@pytest.mark.parametrize("n", [2, 3, 4, 5, 7])
def test_small_board_games_keep_invariants(n: int) -> None:
    state = np.array([0x9E3779B97F4A7C15 + n], np.uint64)
    moves = merges = captures = 0
    for _ in range(40):
        pos = Position(n)
        color, links, info = pos.color, pos.links, pos.info
        c = bk.BLACK
        for _ in range(3 * n * n + 20):
            if info[bk.I_PASSES] >= 2:
                break
            loc = pick_random_move(color, links, info, state, c)
            if loc == bk.PASS_LOC:
                bk.play_pass(info, c)
            else:
                own = (links[bk.NBR, loc] >> (bk.NBR_BITS * c)) & bk.NBR_MASK
                caps = info[bk.I_CAPS_B] + info[bk.I_CAPS_W]
                bk.place_stone(color, links, info, ZOBRIST, np.uint64(0), loc, c)
                merges += int(own > 0)
                captures += int(info[bk.I_CAPS_B] + info[bk.I_CAPS_W] > caps)
                moves += 1
                assert bk.check_links(color, links, info) == 0, pos.to_ascii()
            c = 3 - c
    assert merges > moves // 4 and captures > 0  # the paths under test really ran

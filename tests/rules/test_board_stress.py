"""Seeded stress test of the board kernels: a "perft for Go".

Seeded random games on 5x5, 9x9 and 19x19 mix ordinary moves with garbage (off-board and
occupied points, suicides, ko recaptures). After every attempt:

- ``legal_status`` agrees with whether ``Position.play`` succeeds (and with its error code);
- a failed play changes nothing; a successful one keeps ``check_consistency()`` (chains,
  exact liberties, empty list, neighbour counts, hash);
- the playout's move filter (``playout.playable`` plus the simple-ko test) accepts exactly
  the points that are legal under simple ko and are not the mover's own eye.

The totals (moves, captures, ko bans, suicides, ...) for the fixed seed are pinned, so any
change in rules behaviour, not only a crash or broken invariant, fails the test.
"""
from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.playouts.uniform import playable
from go_engine.rules.position import IllegalMove, Position

SEED = 20261129


def _filter_agrees(pos: Position) -> None:
    """The playout's fast filter equals legality (simple ko) minus own eyes, point by point."""
    c = pos.to_play
    w = pos.n + 2
    ko = int(pos.info[bk.I_KO]) if int(pos.info[bk.I_KO_COLOR]) == c else bk.NO_LOC
    for point in range(pos.n * pos.n):
        loc = int(pos.p2l[point])
        if pos.color[loc] != bk.EMPTY:
            continue
        fast = loc != ko and playable(pos.color, pos.links, w, loc, c)
        slow = (pos.legal_status(point, c, superko=False) == bk.LEGAL
                and not bk.is_eye(pos.color, w, loc, c))
        assert fast == slow, (point, c, pos.to_ascii())


def _pick_point(rng: random.Random, pos: Position) -> int:
    n = pos.n
    r = rng.random()
    if r < 0.05:
        return rng.choice([-7, -1, n * n + 1, n * n + 50])  # off the board
    if r < 0.15:
        stones = np.flatnonzero(pos.board().ravel() != bk.EMPTY)
        if len(stones):
            return int(rng.choice(stones))  # occupied
    elif r < 0.35:
        if pos.ko_point is not None:
            return pos.ko_point  # recapture a ko at once
    elif r < 0.36:
        return n * n  # pass
    empties = np.flatnonzero(pos.board().ravel() == bk.EMPTY)
    return int(rng.choice(empties)) if len(empties) else n * n


def run_stress(n: int, games: int, plies: int, seed: int = SEED) -> Counter:
    rng = random.Random(seed * 100 + n)
    stats: Counter = Counter()
    for _ in range(games):
        pos = Position(n)
        for _ in range(plies):
            if rng.random() < 0.2:
                _filter_agrees(pos)
            point = _pick_point(rng, pos)
            status = pos.legal_status(point)
            before = (pos.color.copy(), pos.links.copy(), pos.info.copy())
            caps_before = sum(pos.captures)
            try:
                pos.play(point)
                played = True
            except IllegalMove as exc:
                played = False
                assert exc.status == status
            assert played == (status == bk.LEGAL), (point, status, pos.to_ascii())
            stats[bk.STATUS_TEXT[status]] += 1
            if played:
                pos.check_consistency()
                stats["captured stones"] += sum(pos.captures) - caps_before
                if pos.ko_point is not None:
                    stats["ko points"] += 1
                if point == n * n:
                    stats["passes"] += 1
            else:
                assert np.array_equal(before[0], pos.color)
                assert np.array_equal(before[1], pos.links)
                assert np.array_equal(before[2], pos.info)
        stats["final stones"] += int(np.count_nonzero(pos.board()))
    return stats


# totals for SEED; a change here means the rules kernels changed behaviour
EXPECTED = {
    5: {"captured stones": 466, "final stones": 615, "ko": 6, "ko points": 8, "legal": 1113,
        "occupied": 157, "off board": 101, "passes": 32, "suicide": 423},
    9: {"captured stones": 279, "final stones": 441, "ko": 8, "ko points": 10, "legal": 730,
        "occupied": 125, "off board": 62, "passes": 10, "suicide": 275},
    19: {"captured stones": 363, "final stones": 317, "ko": 2, "ko points": 4, "legal": 689,
         "occupied": 80, "off board": 49, "passes": 9, "suicide": 80},
}
RUNS = {5: (30, 60), 9: (6, 200), 19: (1, 900)}


@pytest.mark.parametrize("n", [5, 9, 19])
def test_stress_perft(n: int) -> None:
    games, plies = RUNS[n]
    stats = run_stress(n, games, plies)
    # every kind of attempt really happened, so the agreement checks were exercised
    for key in ("legal", "occupied", "off board", "suicide", "ko", "captured stones", "ko points"):
        assert stats[key] > 0, (key, stats)
    assert dict(stats) == EXPECTED[n]

"""Fuego's playout-policy regression suites (``shared/data/testpos/fuego_regression.tar.xz``).

Each case names the move(s) a playout policy should play first in a position: capture, atari
defence, two-liberty semeai, nakade. Our playouts are stochastic, so a case counts as passed
when the expected move is drawn in at least half of 100 first moves (for ``!`` cases: the
forbidden moves in at most half). The count of passed cases is a floor: a drop is a
regression of the playout policy. Cases whose SGF puts setup stones after the first move are
skipped (``go_engine.sgf`` refuses those records).
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.playouts import heuristic as hp
from go_engine.rules.coords import vertex_to_point
from go_engine.rules.position import BLACK, WHITE, Position
from go_engine.rules.sgf import SGFError, read_moves, record_to_game
from tests.conftest import SHARED_DATA
from tests.fuego_cases import FuegoCase, read_suites

ARCHIVE = SHARED_DATA / "testpos" / "fuego_regression.tar.xz"
DRAWS = 100
pytestmark = pytest.mark.skipif(not ARCHIVE.is_file(), reason="shared/data/testpos/fuego_regression.tar.xz absent")


@lru_cache(maxsize=1)
def distinct_cases() -> tuple[list[tuple[FuegoCase, Position, int]], int]:
    """(case, position, colour to play) once per distinct question, and how many cases were skipped."""
    cases, sgfs = read_suites(ARCHIVE)
    seen, out, skipped = set(), [], 0
    for case in cases:
        try:
            rec = read_moves(sgfs[case.sgf])
        except SGFError:
            skipped += 1
            continue
        pos = record_to_game(dataclasses.replace(rec, moves=rec.moves[:case.moves_played])).position
        c = int(pos.info[bk.I_TO_PLAY]) if case.color is None else (BLACK if case.color == "b" else WHITE)
        key = (case.sgf, case.moves_played, c, case.moves, case.negated)
        if key not in seen:
            seen.add(key)
            out.append((case, pos, c))
    return out, skipped


def hit_rate(case: FuegoCase, pos: Position, c: int, rules: int) -> float:
    """Share of first playout moves (one per seed) that answer the case as Fuego expects."""
    targets = {int(pos.p2l[vertex_to_point(v, pos.n)]) for v in case.moves}
    cand = np.empty(hp.MAX_CANDIDATES, np.int64)
    alist = np.empty(pos.color.shape[0] + 1, np.int64)
    hits = 0
    for seed in range(1, DRAWS + 1):
        color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
        hp.init_ataris(color, links, alist)
        state = np.array([seed * 7919], np.uint64)
        hits += int(hp.heuristic_move(color, links, info, state, c, cand, alist, rules, True)) in targets
    rate = hits / DRAWS
    return 1.0 - rate if case.negated else rate


def test_suites_parse():
    cases, skipped = distinct_cases()
    assert len(cases) == 42 and skipped == 4
    assert {case.name.split(".")[0] for case, _, _ in cases} == {
        "playout_2_liberties", "playout_approach_move", "playout_atari_capture", "playout_nakade"}


@pytest.mark.parametrize("rules", [0, 1, 3], ids=["heuristic", "nakade", "tactics"])
def test_passed_cases_do_not_drop(rules):
    """When written: 17 of 42 distinct cases passed with heuristic playouts and 19 with nakade
    playouts (the extra two are the vital point after a capture, ``playout_nakade.20`` and
    ``.190``) and 22 with tactics playouts (two-liberty semeai ``playout_2_liberties.100`` and
    ``.110``, ``playout_nakade.50``). Fuego marks 28 of the 42 as failures of its own playouts."""
    rates = {case.name: hit_rate(case, pos, c, rules) for case, pos, c in distinct_cases()[0]}
    passed = sorted(name for name, rate in rates.items() if rate >= 0.5)
    assert len(passed) >= {0: 17, 1: 19, 3: 22}[rules], (passed, rates)
    # the basic captures and atari defences must stay certain
    for name in ["playout_atari_capture.10", "playout_atari_capture.110", "playout_atari_capture.120",
                 "playout_2_liberties.30", "playout_2_liberties.60", "playout_2_liberties.80"]:
        assert rates[name] >= 0.95, (name, rates[name])
    if rules & 2:
        assert rates["playout_2_liberties.100"] >= 0.95 and rates["playout_2_liberties.110"] >= 0.95, rates
    if rules & 1:
        assert rates["playout_nakade.20"] >= 0.95 and rates["playout_nakade.190"] >= 0.95, rates

"""Nakade in the playouts (``go_engine.playouts.nakade``): dead eye shapes, which self-ataris are worth
their stones, the vital point after a capture, and what that changes on a real 19x19 ending."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.playouts import heuristic as hp
from go_engine.rules.coords import vertex_to_point
from go_engine.playouts.nakade import SCRATCH, bad_selfatari, is_dead_shape, vital_point_after_capture
from go_engine.rules.position import BLACK, WHITE, ZOBRIST, Position
from go_engine.search.priors import no_policy
from go_engine.search.drivers import PLAYOUT_NAMES, run_playout
from go_engine.rules.sgf import load_sgf_file
from tests.conftest import SHARED_DATA

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sgf"

DEAD_SHAPES = {
    "straight three": ["###"],
    "bent three": ["##", "#."],
    "square four": ["##", "##"],
    "pyramid four": [".#.", "###"],
    "bulky five": ["##.", "###"],
    "crossed five": [".#.", "###", ".#."],
    "rabbity six": [".#.", "###", "##."],
}
LIVE_SHAPES = {
    "straight four": ["####"],
    "bent four": ["###", "#.."],
    "twisted four": ["##.", ".##"],
    "straight five": ["#####"],
    "t five": ["###", ".#.", ".#."],
    "long l five": ["####", "#..."],
    "rectangular six": ["###", "###"],
    "cross plus tail": [".#..", "####", ".#.."],
    "seven": ["###", "###", "#.."],
}


def shape_cells(rows: list[str]) -> tuple[np.ndarray, int]:
    """Padded locs (stride w) of the ``#`` cells of a small grid, as the kernels see them."""
    w = max(len(r) for r in rows) + 2
    cells = [(r + 1) * w + c + 1 for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == "#"]
    return np.array(cells + [0] * (SCRATCH - len(cells)), np.int64), w


@pytest.mark.parametrize("name", sorted(DEAD_SHAPES))
def test_dead_eye_shapes(name):
    cells, w = shape_cells(DEAD_SHAPES[name])
    k = sum(row.count("#") for row in DEAD_SHAPES[name])
    assert is_dead_shape(cells, k, w)
    rotated, w2 = shape_cells(["".join(col) for col in zip(*DEAD_SHAPES[name][::-1])])  # turned 90 degrees
    assert is_dead_shape(rotated, k, w2)


@pytest.mark.parametrize("name", sorted(LIVE_SHAPES))
def test_live_eye_shapes(name):
    cells, w = shape_cells(LIVE_SHAPES[name])
    k = sum(row.count("#") for row in LIVE_SHAPES[name])
    assert not is_dead_shape(cells, k, w)


# A white ring whose eye space is a bulky five (C5 D5 C4 D4 C3); black holds three points of it
# and has two liberties (D4, C3). The outside is black's, with eyes on the G file.
BULKY_FILL = """
X X X X X X X
X O O O O X .
X O X X O X X
X O X . O X .
X O . O O X X
X O O O O X .
X X X X X X X
"""


def _bad(text: str, vertex: str, c: int) -> bool:
    pos = Position.from_ascii(text)
    loc = int(pos.p2l[vertex_to_point(vertex, pos.n)])
    return bool(bad_selfatari(pos.color, pos.links, pos.n + 2, loc, c, np.empty(SCRATCH, np.int64)))


def test_a_fill_that_leaves_a_square_four_is_a_good_sacrifice():
    assert not _bad(BULKY_FILL, "D4", BLACK)  # four stones in atari; their capture leaves a square


def test_a_fill_that_leaves_a_bent_four_is_bad():
    assert _bad(BULKY_FILL, "C3", BLACK)  # the capture leaves a bent four: white lives


def test_filling_your_own_last_liberties_is_bad():
    assert _bad(BULKY_FILL, "D4", WHITE)  # the whole white ring in atari


def test_suicide_is_bad_and_two_liberties_are_no_self_atari():
    assert _bad(BULKY_FILL, "G6", WHITE)  # an eye of black: white's stone there is suicide
    open_board = ". . . . .\n. . . . .\n. . X . .\n. . . . .\n. . . . .\n"
    assert not _bad(open_board, "C4", WHITE) and not _bad(open_board, "C4", BLACK)


# The bulky five of BULKY_FILL filled with five black stones; their last liberty D3 lies outside.
BULKY_CAPTURE = """
X X X X X X X
X O O O O X .
X O X X O X X
X O X X O X .
X O X . O X X
X O O O O X .
X X X X X X X
"""


def test_the_vital_point_of_the_captured_space_is_answered():
    pos = Position.from_ascii(BULKY_CAPTURE, to_play=WHITE)
    pos.play(vertex_to_point("D3", pos.n), WHITE)
    assert int(pos.info[bk.I_LAST_CAPS]) == 5
    w = pos.n + 2
    vital = vital_point_after_capture(pos.color, w, int(pos.info[bk.I_LAST]), int(pos.info[bk.I_LAST_CAPS]),
                                      np.empty(SCRATCH, np.int64))
    assert vital == int(pos.p2l[vertex_to_point("C4", pos.n)])
    cand = np.empty(hp.MAX_CANDIDATES, np.int64)
    alist = np.empty(pos.color.shape[0] + 1, np.int64)
    hp.init_ataris(pos.color, pos.links, alist)
    for seed in range(1, 20):
        state = np.array([seed], np.uint64)
        assert hp.heuristic_move(pos.color, pos.links, pos.info, state, BLACK, cand, alist, hp.RULE_NAKADE, True) == vital


def test_a_capture_that_leaves_a_live_shape_has_no_vital_point():
    pos = Position.from_ascii("X X X X . .\nO O O O O .\n. . . . . .\n. . . . . .\n. . . . . .\n. . . . . .\n",
                              to_play=WHITE)
    pos.play(vertex_to_point("E6", pos.n), WHITE)  # takes four stones: a straight four on the edge
    assert int(pos.info[bk.I_LAST_CAPS]) == 4
    assert vital_point_after_capture(pos.color, pos.n + 2, int(pos.info[bk.I_LAST]), 4,
                                     np.empty(SCRATCH, np.int64)) == bk.NO_LOC


def _death_rate(pos: Position, vertex: str, kind: str, count: int, seed: int = 3) -> float:
    """Share of ``count`` playouts of ``kind`` (each side to move first, in turn) after which
    the stone on ``vertex`` no longer stands."""
    loc = int(pos.p2l[vertex_to_point(vertex, pos.n)])
    state = np.array([seed], np.uint64)
    owner = np.empty_like(pos.color)
    dead = 0
    for i in range(count):
        color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
        info[bk.I_PASSES] = 0
        info[bk.I_TO_PLAY] = BLACK if i % 2 == 0 else WHITE
        run_playout(PLAYOUT_NAMES[kind], color, links, info, ZOBRIST, state, 1000, no_policy(), False,
                    np.empty(0, np.int32), 0)
        bk.area_owner(color, pos.n, owner)
        dead += int(owner[loc] != pos.color[loc])
    return dead / count


def test_nakade_playouts_see_the_bulky_five_kill_of_a_real_game():
    """The end of a 19x19 game against GNU Go (``bulky_five_kill_19.sgf``): black kills the
    top-right white group by S17, a five-stone sacrifice whose capture leaves a bulky five,
    then T18 (GNU Go's ``owl_attack R19`` agrees). Plain heuristic playouts redraw the
    sacrifice and let white live; that misreading cost the engine the game."""
    pos = load_sgf_file(FIXTURES / "bulky_five_kill_19.sgf").game.position
    nakade = _death_rate(pos, "R19", "nakade", 200)
    heuristic = _death_rate(pos, "R19", "heuristic", 200)
    assert nakade >= 0.65 and heuristic <= 0.35, (nakade, heuristic)


def _first_moves(pos: Position, nakade: bool, draws: int) -> dict[int, int]:
    """How often each loc is the first move of a heuristic playout from ``pos`` (one draw per seed)."""
    counts: dict[int, int] = {}
    cand = np.empty(hp.MAX_CANDIDATES, np.int64)
    alist = np.empty(pos.color.shape[0] + 1, np.int64)
    for seed in range(1, draws + 1):
        color, links, info = pos.color.copy(), pos.links.copy(), pos.info.copy()
        hp.init_ataris(color, links, alist)
        state = np.array([seed * 7919], np.uint64)
        loc = int(hp.heuristic_move(color, links, info, state, int(info[bk.I_TO_PLAY]), cand, alist, int(nakade), True))
        counts[loc] = counts.get(loc, 0) + 1
    return counts


FUEGO = SHARED_DATA / "testpos" / "fuego_regression.tar.xz"


@pytest.mark.skipif(not FUEGO.is_file(), reason="shared/data/testpos/fuego_regression.tar.xz absent")
def test_fuegos_playout_nakade_case_kills_on_the_vital_point():
    """Fuego's ``playout_nakade.tst`` test 20 (marked there as a known failure of its own
    playouts): black has just captured five white stones in the corner, and white must play
    the vital point H8 of the bulky five they leave. The nakade rule plays it every time; the plain heuristic
    playouts pick a random move."""
    import dataclasses
    import tarfile

    from go_engine.rules.sgf import read_moves, record_to_game
    with tarfile.open(FUEGO, "r:xz") as tar:
        data = tar.extractfile("fuego_regression/regression/sgf/playout/playout_nakade.1.sgf").read()
    rec = read_moves(data)
    pos = record_to_game(dataclasses.replace(rec, moves=rec.moves[:4])).position  # GTP "loadsgf ... 5"
    vital = int(pos.p2l[vertex_to_point("H8", pos.n)])
    assert int(pos.info[bk.I_TO_PLAY]) == WHITE and int(pos.info[bk.I_LAST_CAPS]) == 5
    assert _first_moves(pos, True, 100).get(vital, 0) == 100
    assert _first_moves(pos, False, 100).get(vital, 0) < 50


def _pachi_cases():
    archive = SHARED_DATA / "testpos" / "pachi_tunit.tar.xz"
    if not archive.is_file():
        return []
    from tests.pachi_cases import parse_cases, read_t_file
    return parse_cases(read_t_file(archive, "selfatari.t"), "bad_selfatari")


@pytest.mark.skipif(not _pachi_cases(), reason="shared/data/testpos/pachi_tunit.tar.xz absent")
def test_agreement_with_pachis_selfatari_cases():
    """Pachi's ``selfatari.t`` (300 judgements, four of which Pachi itself gets wrong) answers
    more than this local rule looks at (semeai, throw-ins that spoil an eye, liberties of the
    surrounding group), so a share of disagreement is expected. The rule agreed with 248 of
    300 when written (84-88% on the sacrifices of two to six stones); fewer means a regression."""
    agree, total = 0, 0
    for case in _pachi_cases():
        pos = Position.from_ascii(case.board.replace("", " "))
        color, vertex, expected = case.args[:3]
        loc = int(pos.p2l[vertex_to_point(vertex, pos.n)])
        c = BLACK if color == "b" else WHITE
        got = bad_selfatari(pos.color, pos.links, pos.n + 2, loc, c, np.empty(SCRATCH, np.int64))
        agree += int(bool(got) == bool(int(expected)))
        total += 1
    assert total == 300
    assert agree >= 248, agree

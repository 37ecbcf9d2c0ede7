"""Rules on ASCII fixtures: captures, snapback, ko, superko, suicide, eyes, scoring, handicap."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.rules.coords import point_to_vertex, vertex_to_point
from go_engine.rules.game import Game, fixed_handicap_points, max_fixed_handicap
from go_engine.rules.position import BLACK, WHITE, IllegalMove, Position

from tests.ascii_boards import TRIPLE_KO


def at(pos: Position, vertex: str) -> int:
    return vertex_to_point(vertex, pos.n)


def play(pos: Position, *vertices: str) -> None:
    for v in vertices:
        pos.play(at(pos, v))
        pos.check_consistency()


def test_ascii_round_trip():
    text = """
       A B C D E
     5 . X O . . 5
     4 X X O . . 4
     3 . . O O . 3
     2 . . . . . 2
     1 . . . . X 1
       A B C D E
    """
    pos = Position.from_ascii(text)
    assert pos.n == 5
    assert {point_to_vertex(p, 5) for p in pos.stones(BLACK)} == {"B5", "A4", "B4", "E1"}
    again = Position.from_ascii(pos.to_ascii())
    assert np.array_equal(again.board(), pos.board())
    assert again.hash == pos.hash


def test_from_ascii_rejects_dead_chain():
    with pytest.raises(ValueError):
        Position.from_ascii("""
        X O .
        O . .
        . . .
        """)


def test_corner_capture_counts_stones():
    pos = Position.from_ascii("""
    O O . . .
    X X X . .
    . . . . .
    . . . . .
    . . . . .
    """, to_play=BLACK)
    play(pos, "C5")
    assert pos.stones(WHITE) == []
    assert pos.captures == (2, 0)
    assert pos.ko_point is None


def test_snapback_is_not_ko():
    pos = Position.from_ascii("""
    . . . . .
    . . . . .
    X X X X .
    O O O X .
    . . O X .
    """, to_play=BLACK)
    play(pos, "A1")  # throw-in: self-atari
    play(pos, "B1")  # white captures one stone...
    assert pos.captures == (0, 1)
    assert pos.ko_point is None  # ...but the capturing chain has more than one stone
    play(pos, "A1")  # ...and black takes five back
    assert pos.captures == (5, 1)
    assert pos.stones(WHITE) == []


KO = """
. . . . .
. X O . .
X O . O .
. X O . .
. . . . .
"""


def test_simple_ko_forbids_immediate_recapture():
    pos = Position.from_ascii(KO, to_play=BLACK)
    play(pos, "C3")  # black captures B3
    assert pos.ko_point == at(pos, "B3")
    assert pos.legal_status(at(pos, "B3"), WHITE) == bk.KO
    assert pos.legal_status(at(pos, "B3"), WHITE, superko=False) == bk.KO
    play(pos, "E5", "E1")  # a ko threat and its answer
    assert pos.is_legal(at(pos, "B3"), WHITE)
    play(pos, "B3")
    assert pos.ko_point == at(pos, "C3")


def test_triple_ko_cycle_is_forbidden_by_positional_superko():
    pos = Position.from_ascii(TRIPLE_KO, to_play=BLACK)
    start = pos.hash
    # B takes ko 1, W takes ko 2, B takes ko 3, W retakes ko 1, B retakes ko 2 ...
    play(pos, "D7", "G7", "D3", "C7", "H7")
    # ... and W retaking ko 3 would repeat the starting position: not a simple ko
    last = at(pos, "C3")
    assert pos.ko_point != last
    assert pos.legal_status(last, WHITE, superko=False) == bk.LEGAL
    assert pos.legal_status(last, WHITE) == bk.SUPERKO
    with pytest.raises(IllegalMove):
        pos.play(last)
    trial = pos.copy()
    trial.play(last, superko=False)
    assert trial.hash == start


def test_single_stone_suicide():
    pos = Position.from_ascii("""
    . X . .
    X . X .
    . X . .
    . . . .
    """, to_play=WHITE)
    assert pos.legal_status(at(pos, "B3"), WHITE) == bk.SUICIDE
    assert pos.is_legal(at(pos, "B3"), BLACK)


def test_multi_stone_suicide():
    pos = Position.from_ascii("""
    X X X X
    X O . X
    X X X X
    . . . .
    """, to_play=WHITE)
    assert pos.legal_status(at(pos, "C3"), WHITE) == bk.SUICIDE
    with pytest.raises(IllegalMove):
        pos.play(at(pos, "C3"))
    pos.check_consistency()


def test_filling_last_liberty_that_captures_is_not_suicide():
    pos = Position.from_ascii("""
    . O X .
    O X . X
    . O X .
    . . . .
    """, to_play=WHITE)
    # white C3 has no liberty of its own but captures B3's black stone... here B3 is in atari
    assert pos.legal_status(at(pos, "C3"), WHITE) == bk.LEGAL
    play(pos, "C3")
    assert pos.captures == (0, 1)


def test_occupied_and_off_board():
    pos = Position(5)
    play(pos, "C3")
    assert pos.legal_status(at(pos, "C3"), WHITE) == bk.OCCUPIED
    assert pos.legal_status(99, WHITE) == bk.OFF_BOARD


@pytest.mark.parametrize("text,vertex,color,expected", [
    ("""
     . X .
     X . X
     . X .
     """, "B2", BLACK, True),            # centre eye with no enemy diagonal
    ("""
     . . . . .
     . O X . .
     . X . X .
     . . X O .
     . . . . .
     """, "C3", BLACK, False),           # two enemy diagonals: false eye
    ("""
     . . . . .
     . O X . .
     . X . X .
     . . X . .
     . . . . .
     """, "C3", BLACK, True),            # one enemy diagonal in the centre is still an eye
    ("""
     . . . .
     . . . .
     X X O .
     . X . .
     """, "A1", BLACK, True),            # corner eye
    ("""
     . . . .
     . . . .
     O X X .
     X . X .
     """, "B1", BLACK, False),           # edge eye with an enemy diagonal is false
    ("""
     . X .
     X . O
     . X .
     """, "B2", BLACK, False),           # not surrounded
])
def test_eye_rule(text, vertex, color, expected):
    pos = Position.from_ascii(text)
    loc = int(pos.p2l[at(pos, vertex)])
    assert bk.is_eye(pos.color, pos.n + 2, loc, color) == expected


def test_tromp_taylor_score_with_seki_dame():
    pos = Position.from_ascii("""
    X X O O
    X . . O
    X X O O
    . X O .
    """)
    # six stones and A1 for each side; B3 and C3 touch both colours and count for nobody
    assert pos.area_score(0) == 0
    assert pos.area_score(0.5) == -0.5
    game = Game(4, 0.5)
    game.position = pos
    assert game.result_string() == "W+0.5"


def test_two_passes_end_the_game():
    game = Game(5, 0.5)
    game.play(game.pass_point)
    assert not game.is_over
    game.play(at(game.position, "C3"))
    game.play(game.pass_point)
    game.play(game.pass_point)
    assert game.is_over
    assert game.score() == -25 - 0.5  # white played C3 after black passed: white owns all


def test_undo_restores_position_and_hash():
    game = Game(9)
    hashes = [game.position.hash]
    for v in ("E5", "E6", "D6", "F5", "pass"):
        game.play(vertex_to_point(v, 9))
        hashes.append(game.position.hash)
    for h in reversed(hashes[:-1]):
        game.undo()
        assert game.position.hash == h
    with pytest.raises(IndexError):
        game.undo()


@pytest.mark.parametrize("n", [7, 8, 9, 13, 19])
def test_fixed_handicap_layout(n):
    for stones in range(2, max_fixed_handicap(n) + 1):
        game = Game(n)
        points = game.set_fixed_handicap(stones)
        assert len(set(points)) == stones
        assert sorted(game.position.stones(BLACK)) == sorted(points)
        assert game.to_play == WHITE
        assert game.position.ply == 0
    with pytest.raises(ValueError):
        fixed_handicap_points(n, max_fixed_handicap(n) + 1)


def test_fixed_handicap_matches_gnugo(gnugo):
    for n in (7, 9, 13, 19):
        for stones in range(2, max_fixed_handicap(n) + 1):
            gnugo.ask(f"boardsize {n}")
            gnugo.ask("clear_board")
            theirs = set(gnugo.ask(f"fixed_handicap {stones}").split())
            ours = {point_to_vertex(p, n) for p in fixed_handicap_points(n, stones)}
            assert ours == theirs, (n, stones)


def test_free_handicap_points_are_distinct_and_spread():
    game = Game(19)
    points = game.free_handicap_points(12)
    assert len(set(points)) == 12
    game.set_handicap(points)
    assert len(game.position.stones(BLACK)) == 12


@pytest.mark.parametrize("n", [2, 3, 19, 25])
def test_board_sizes(n):
    game = Game(n)
    game.play(0)
    assert game.position.stones(BLACK) == [0]
    game.position.check_consistency()
    with pytest.raises(ValueError):
        Position(1)
    with pytest.raises(ValueError):
        Position(26)


def test_zobrist_hash_is_pinned():
    """The keys are seeded: hashes must not change between runs or machines."""
    pos = Position(19)
    play(pos, "D4", "Q16")
    assert pos.hash == int(bk.board_hash(pos.color, bk.make_zobrist()))
    assert pos.hash == PINNED_HASH_D4_Q16


PINNED_HASH_D4_Q16 = 1610217794915915498

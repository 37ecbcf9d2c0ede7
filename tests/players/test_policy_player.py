"""The policy player alone: it does not fill its own settled territory (the network, trained on
no moves after the boundaries close, does so until its groups die), and it averages the network
over the 8 symmetries of the board."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.shipped import shipped_data_dir
from go_engine.features.planes import apply_symmetry, position_planes, symmetry_point_maps
from go_engine.players.protocol import TimeBudget
from go_engine.rules.coords import vertex_to_point
from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE, Position

WEIGHTS = shipped_data_dir() / "policy_9.npz"
pytestmark = pytest.mark.skipif(not WEIGHTS.exists(), reason="shipped 9x9 policy network missing")

# Black owns A7-C9 (nine points, closed by D7-D9 and row 6) and the eye B2; White owns the right
# side with five one-point eyes. Black's only sensible moves are inside its own territory.
CLOSED = """
. . . X O . O . O
. . . X O O O O O
. . . X O O O O O
X X X X O O O O O
X X X X O O O O O
X X X X O O O O O
X X X X O O O O O
X . X X O O . O O
X X X X O . O . O
"""


def closed_game(to_play: int = BLACK) -> Game:
    game = Game(9, 7.0)
    game.position = Position.from_ascii(CLOSED, to_play=to_play)
    return game


def test_it_passes_rather_than_fill_its_own_territory():
    from go_engine.players.policy import PolicyPlayer
    game = closed_game()
    # the opponent has not passed: before the territory rule the net played inside A7-C9
    assert PolicyPlayer(WEIGHTS).genmove(game, BLACK, TimeBudget()) == 81


def test_it_answers_an_invasion_of_its_territory():
    from go_engine.players.policy import PolicyPlayer
    game = closed_game(to_play=WHITE)
    game.play(vertex_to_point("B8", 9), WHITE)
    point = PolicyPlayer(WEIGHTS).genmove(game, BLACK, TimeBudget())
    assert point != 81 and game.is_legal(point, BLACK)


def test_only_regions_that_its_own_stones_close_count_as_its_territory():
    from go_engine.players.policy import OwnTerritory
    territory = OwnTerritory(closed_game().position, BLACK)
    assert territory.enclosed[vertex_to_point("B8", 9)] and territory.enclosed[vertex_to_point("B2", 9)]
    assert not territory.enclosed[vertex_to_point("F9", 9)] and not territory.enclosed[vertex_to_point("D5", 9)]


def test_a_move_that_gives_a_chain_in_atari_liberties_saves_it():
    from go_engine.players.policy import saves_atari
    pos = Position.from_ascii("""
. . . . . . . . .
. O . . . . . . .
O X O . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
""", to_play=BLACK)
    planes = position_planes(pos)
    assert saves_atari(pos, vertex_to_point("B6", 9), BLACK, planes)
    assert not saves_atari(pos, vertex_to_point("E5", 9), BLACK, planes)


def test_probabilities_are_the_same_for_every_symmetry_of_the_board():
    from go_engine.players.policy import PolicyPlayer
    game = Game(9, 7.0)
    for vertex, color in (("C3", BLACK), ("G7", WHITE), ("C7", BLACK), ("E5", WHITE), ("D3", BLACK)):
        game.play(vertex_to_point(vertex, 9), color)
    planes = position_planes(game.position)
    maps = symmetry_point_maps(9)[:, :81]
    averaged = PolicyPlayer(WEIGHTS)
    single = PolicyPlayer(WEIGHTS, symmetries=1)
    base = averaged.network_probabilities(planes)
    assert base.sum() == pytest.approx(1.0)
    spread = 0.0
    for k in range(1, 8):
        turned = apply_symmetry(planes, k)
        # the probability of point p on the board is that of maps[k, p] on the turned board
        np.testing.assert_allclose(averaged.network_probabilities(turned)[maps[k]], base, atol=1e-6)
        spread = max(spread, np.abs(single.network_probabilities(turned)[maps[k]]
                                    - single.network_probabilities(planes)).max())
    assert spread > 1e-4  # the net alone is not symmetric: the averaging is what makes it so


def test_the_registry_passes_symmetries():
    from go_engine.players.registry import PlayerOptions, make_player
    assert make_player("policy").symmetries == 8
    assert make_player("policy", PlayerOptions(extra={"symmetries": 1})).symmetries == 1
    with pytest.raises(ValueError, match="symmetries"):
        make_player("policy", PlayerOptions(extra={"symmetries": 4}))


def test_big_self_ataris_and_caught_ladder_runs_are_blunders():
    from go_engine.players.policy import blunder
    pos = Position.from_ascii("""
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . O . . . . . .
O O X O . . . . .
. X . . O . . . .
""", to_play=BLACK)
    planes = position_planes(pos)
    # C1 joins B1 and C2: three stones left with the one liberty A1 or D1, and nothing captured
    assert blunder(pos, vertex_to_point("C1", 9), BLACK, planes)
    assert not blunder(pos, vertex_to_point("E5", 9), BLACK, planes)
    ladder = Position.from_ascii("""
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . O . . . . . .
. O X O . . . . .
. . . . . . . . .
""", to_play=BLACK)
    planes = position_planes(ladder)
    # C2 is in atari; C1 leaves two liberties on the first line, where White's next atari catches it
    assert blunder(ladder, vertex_to_point("C1", 9), BLACK, planes)
    assert not blunder(ladder, vertex_to_point("B1", 9), BLACK, planes)


def test_it_does_not_run_out_a_caught_ladder():
    # game 6 of benchmarks/results/policy19_gnugo10_cec05d6 (the net as White vs GNU Go level 10):
    # after Q12 the old player ran R11, R12, R13 along a ladder that its ladder plane read as
    # caught, and lost the chain
    from pathlib import Path

    from go_engine.players.policy import PolicyPlayer
    from go_engine.rules.sgf import read_moves
    weights = shipped_data_dir() / "policy_19.npz"
    if not weights.exists():
        pytest.skip("shipped 19x19 policy network missing")
    rec = read_moves((Path(__file__).parent / "fixtures" / "policy19_ladder_run.sgf").read_bytes())
    game = Game(19, rec.komi)
    for color, point in rec.moves[:295]:
        game.play(point, color)
    assert rec.moves[295] == (WHITE, vertex_to_point("R11", 19))
    for symmetries in (1, 8):
        assert PolicyPlayer(weights, symmetries=symmetries).genmove(game, WHITE, TimeBudget()) != rec.moves[295][1]

"""The full player: networks inside the search (``NetworkEvaluator``, ``AlphaGoPlayer``),
with the shipped 9x9 policy and value networks."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.rules.coords import point_to_vertex
from go_engine.features.planes import N_VALUE_PLANES, position_planes
from go_engine.rules.game import Game
from go_engine.shipped import shipped_data_dir

REPO_DATA = shipped_data_dir()
from go_engine.players.protocol import TimeBudget
from go_engine.rules.position import BLACK, WHITE, Position
from go_engine.search.mcts import MCTS, SearchConfig
from tests.search.test_search import assert_visits_add_up, game_from_ascii

pytest.importorskip("jax")
pytestmark = pytest.mark.skipif(not (REPO_DATA / "policy_9.npz").exists() or not (REPO_DATA / "value_9.npz").exists(),
                                reason="shipped 9x9 networks missing")

# White's six stones in the middle have one liberty left (D4); taking them wins at once.
BIG_CAPTURE = """
. . . . . . . . .
. . X X X . . . .
. . X O O X . . .
. X O O O X . . .
. X O O X X . . .
. . X . X . . . .
. . . . . . O . .
. . . . . . . O .
. . . . . . . . .
"""


@pytest.fixture(scope="module")
def evaluator():
    from go_engine.nets.search_evaluator import NetworkEvaluator
    return NetworkEvaluator(REPO_DATA / "policy_9.npz", REPO_DATA / "value_9.npz", 9)


def capture_game() -> Game:
    return game_from_ascii(BIG_CAPTURE, BLACK, komi=7.0)


def test_network_evaluator_matches_the_networks_it_wraps(evaluator):
    from go_engine.nets.value_net import ValueNetRunner
    game = capture_game()
    pos = game.position
    white = pos.copy()
    white.to_play = WHITE
    priors, values = evaluator.evaluate([pos, white, pos])
    assert priors.shape == (3, 82) and values.shape == (3,)
    np.testing.assert_allclose(priors.sum(axis=1), 1.0, rtol=1e-5)
    assert np.all(priors >= 0) and np.all(np.abs(values) <= 1.0)
    # padding does not leak between rows (a leak moves priors by far more; XLA's batched kernels
    # may round rows differently at the 1e-6 level: JAX 0.8.3 does)
    np.testing.assert_allclose(priors[0], priors[2], rtol=1e-5, atol=1e-9)
    # the same numbers as the policy and value evaluators on their own
    logp = evaluator.policy.position_log_probs(pos)
    np.testing.assert_allclose(priors[0, :-1] / priors[0, :-1].sum(), np.exp(logp) / np.exp(logp).sum(),
                               rtol=1e-4, atol=1e-7)
    v = ValueNetRunner(REPO_DATA / "value_9.npz", board_size=9).position_value(pos)
    assert values[0] == pytest.approx(v, abs=1e-5)
    assert position_planes(pos, n_planes=N_VALUE_PLANES).shape == (9, 9, N_VALUE_PLANES)


def test_the_policy_sees_the_capture(evaluator):
    priors, _ = evaluator.evaluate([capture_game().position])
    assert point_to_vertex(int(np.argmax(priors[0, :-1])), 9) == "D4"


@pytest.mark.parametrize("mix_lambda", [0.0, 0.5, 1.0])
def test_search_with_networks_takes_the_big_capture(evaluator, mix_lambda):
    game = capture_game()
    # lambda 0: every leaf is expanded at once (threshold 0), so the value net values all of them
    mcts = MCTS(SearchConfig(threads=1, batch_size=8, max_tree_mb=32, rave_equiv=0.0, c_puct=1.5,
                             mix_lambda=mix_lambda, expand_threshold=0 if mix_lambda == 0 else 1),
                evaluator=evaluator)
    result = mcts.search(game, simulations=240, stop_early=False)
    assert point_to_vertex(result.move, 9) == "D4", [(point_to_vertex(c.point, 9), c.visits) for c in result.children[:4]]
    assert result.winrate > 0.6
    assert result.root_visits == 240
    assert_visits_add_up(mcts)
    if mix_lambda == 0.0:  # the value net alone: nothing is played out
        assert mcts.total_rollouts == 0
    else:
        assert mcts.total_rollouts >= 240


def test_alphago_player_uses_networks_where_shipped_and_falls_back_elsewhere(capsys):
    from go_engine.players.alphago import AlphaGoPlayer
    player = AlphaGoPlayer(seed=1, playouts=64, threads=1, extra={"resign": False})
    game9 = Game(9, 7.0)
    player.new_game(game9)
    move = player.genmove(game9, BLACK, TimeBudget(None))
    assert 0 <= move <= 81 and game9.position.is_legal(move, BLACK)
    assert "policy_9.npz" in player.descriptions[9] and "lambda 0.5" in player.descriptions[9]
    assert player.mcts.config.rave_equiv == 0.0  # the current size's search answers attributes
    assert player.mcts.rollout.kind == "nakade+ko" and player.mcts.config.leaf_rollouts == 4
    game13 = Game(13, 6.5)
    move = player.genmove(game13, BLACK, TimeBudget(None))
    assert 0 <= move <= 169
    assert "no policy network for 13x13" in capsys.readouterr().err
    assert player.mcts.evaluator.native_prior is not None  # rollout search for 13x13
    assert player.mcts.rollout.kind == "nakade+ko"


def test_alphago_player_options():
    from go_engine.players.alphago import AlphaGoPlayer
    rl = AlphaGoPlayer(extra={"policy": "rl", "value": "none", "c_puct": 2.5})
    policy, value = rl.networks_for(9)
    assert policy.name == "rl_policy_9.npz" and value is None
    with pytest.raises(FileNotFoundError):
        AlphaGoPlayer(extra={"policy": "/nonexistent/policy.npz"}).networks_for(9)
    with pytest.raises(ValueError, match="unknown mcts option"):
        AlphaGoPlayer(extra={"no_such_knob": 1}).player_for(9)
    with pytest.raises(TypeError, match="c_puct"):  # text is parsed by the CLI, never here
        AlphaGoPlayer(extra={"c_puct": "2.5"}).player_for(9)


def test_gtp_plays_the_full_player_by_default():
    from go_engine_cli import build_parser
    from go_engine.gtp.cli import config_from_args
    config = config_from_args(build_parser().parse_args(["gtp"]))
    assert config.player == "alphago"


def test_white_view_values_flip(evaluator):
    # the same position from the two sides: the value net must not report the same number
    pos = Position.from_ascii(BIG_CAPTURE, to_play=BLACK)
    white = pos.copy()
    white.to_play = WHITE
    _, values = evaluator.evaluate([pos, white])
    assert values[0] > values[1]


# Black's C3 is in atari; running out at D3 leaves two liberties and White chases it up the
# board to the edge (the ladder plane reads it caught). A black stone at G7 breaks the ladder.
LADDER_RUN = """
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . O . . . . . .
. O X . . . . . .
. . O O . . . . .
. . . . . . . . .
"""
LADDER_BROKEN = LADDER_RUN.replace("""
. . . . . . . . .
. . . . . . . . .
. . O . . . . . .""", """
. . . . . . X . .
. . . . . . . . .
. . O . . . . . .""")


def test_the_ladder_run_mask_marks_only_the_run_into_a_caught_ladder():
    from go_engine.nets.search_evaluator import ladder_run_mask

    def marked(text: str, to_play: int) -> list[str]:
        planes = position_planes(Position.from_ascii(text, to_play=to_play))[None]
        return [point_to_vertex(int(p), 9) for p in np.flatnonzero(np.asarray(ladder_run_mask(planes))[0])]

    assert marked(LADDER_RUN, BLACK) == ["D3"]
    assert marked(LADDER_BROKEN, BLACK) == []   # the run escapes
    assert marked(LADDER_RUN, WHITE) == []      # White has no chain in atari


@pytest.mark.parametrize("prune", [True, False])
def test_the_search_leaves_out_a_run_into_a_caught_ladder(prune):
    from go_engine.nets.search_evaluator import PRUNED, NetworkEvaluator
    from go_engine.rules.coords import vertex_to_point
    ev = NetworkEvaluator(REPO_DATA / "policy_9.npz", REPO_DATA / "value_9.npz", 9, prune_ladder_runs=prune)
    game = game_from_ascii(LADDER_RUN, BLACK, komi=7.0)
    priors, _ = ev.evaluate([game.position])
    d3 = vertex_to_point("D3", 9)
    assert (priors[0, d3] == PRUNED) == prune and np.all(np.delete(priors[0], d3) >= 0)
    mcts = MCTS(SearchConfig(threads=1, batch_size=8, max_tree_mb=32, c_puct=1.5, mix_lambda=0.5), evaluator=ev)
    result = mcts.search(game, simulations=200, stop_early=False)
    points = {c.point for c in mcts.root_children()}
    assert (d3 in points) != prune and len(points) > 50
    assert result.move != d3 or not prune
    assert_visits_add_up(mcts)

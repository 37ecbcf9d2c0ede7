"""Fast-playout value estimates and the equal-time comparison of ``training.value_eval``."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.rules import board_kernels as bk
from go_engine.training.value_data import ValueSet

N = 5
PASS = N * N


def _decided_set() -> ValueSet:
    """Black fills the 5x5 board but for two one-point eyes (points 0 and 12) while white
    passes: black owns all 25 points whatever either side plays. Position 0: white to move
    after black's last stone (a loss for white, z = -1); position 1: one more white pass,
    black to move (z = +1)."""
    codes = []
    for p in range(N * N):
        if p in (0, 12):
            continue
        codes += [p, -(PASS + 1)]
    codes = codes[:-1]  # ends with black's stone
    game = np.array(codes + [-(PASS + 1)], np.int16)
    return ValueSet(N, game, np.array([0, 0], np.int64), np.array([len(codes), len(codes) + 1], np.int64),
                    np.array([bk.WHITE, bk.BLACK], np.int64), np.array([-1.0, 1.0], np.float32))


def _pattern_weights(tmp_path):
    from go_engine.playouts.rollout_policy import RolloutWeights, save_rollout_weights
    path = tmp_path / "rollout_5.npz"
    save_rollout_weights(path, RolloutWeights.zeros(N))
    return str(path)


@pytest.mark.parametrize("kind", ["random", "heuristic", "nakade", "pattern"])
def test_fast_rollouts_score_a_decided_position_from_the_side_to_move(tmp_path, kind):
    from go_engine.training.value_eval import fast_rollout_estimates
    data = _decided_set()
    est, secs = fast_rollout_estimates(data, kind, rollouts=8, komi=0.5, rollout_weights=_pattern_weights(tmp_path))
    assert list(est) == [-1.0, 1.0]
    assert secs > 0


def test_fast_rollouts_on_open_positions_are_means_of_k_outcomes(tmp_path):
    from go_engine.training.value_eval import fast_rollout_estimates, position_boards
    # the empty board (black to move) and after one black stone (white to move)
    data = ValueSet(N, np.array([12], np.int16), np.array([0, 0], np.int64), np.array([0, 1], np.int64),
                    np.array([bk.BLACK, bk.WHITE], np.int64), np.array([1.0, -1.0], np.float32))
    for kind in ("random", "heuristic", "nakade", "pattern"):
        est, _ = fast_rollout_estimates(data, kind, rollouts=16, komi=0.5, seed=3,
                                        rollout_weights=_pattern_weights(tmp_path))
        assert np.all(np.abs(est) <= 1)
        assert np.allclose(est * 8, np.round(est * 8))  # 2 * wins / 16 - 1
        again, _ = fast_rollout_estimates(data, kind, rollouts=16, komi=0.5, seed=3,
                                          rollout_weights=_pattern_weights(tmp_path))
        assert np.array_equal(est, again)  # a function of the seed
    with pytest.raises(ValueError, match="kind"):
        fast_rollout_estimates(data, "gnugo", 1)
    bad = ValueSet(N, data.moves, data.starts, data.plies, data.to_play[::-1].copy(), data.z)
    with pytest.raises(ValueError, match="side to move"):
        position_boards(bad)


def test_equal_time_table_uses_the_nets_own_time(tmp_path):
    pytest.importorskip("jax")
    from go_engine.nets.value_config import ValueNetConfig, save_value_weights
    from go_engine.nets.value_net import ValueNetRunner, init_value_variables
    from go_engine.training.value_eval import equal_time_table, parse_sl_rollouts, position_boards, value_net_timing
    cfg = ValueNetConfig(board_size=N, layers=2, filters=4, first_kernel=3, in_planes=49, fc_units=8)
    weights = tmp_path / "value.npz"
    save_value_weights(weights, cfg, init_value_variables(cfg, 0))
    data = _decided_set()
    timing = value_net_timing(str(weights), data, position_boards(data), repeats=1)
    # planes made from the replayed boards are the training loader's planes
    assert np.allclose(timing["values"], ValueNetRunner(weights).values(data.planes()), atol=1e-6)
    table = equal_time_table(str(weights), data, komi=0.5, ks={"random": (1, 4), "heuristic": (1, 2), "nakade": (1, 2),
                                                                         "pattern": (1, 2)},
                             rollout_weights=_pattern_weights(tmp_path))
    assert table["positions"] == 2 and table["value_net_s_per_position"] > 0
    for kind in ("random", "heuristic", "nakade", "pattern"):
        rows = table["sweep"][kind]
        assert [r["rollouts"] for r in rows] == ([1, 4] if kind == "random" else [1, 2])
        assert all(r["mse"] == 0.0 for r in rows)  # the position is decided
        chosen = table["equal_time"][kind]
        assert chosen.get("over_budget") or chosen["s_per_position"] <= table["value_net_s_per_position"]
    assert parse_sl_rollouts("4:500, 16:200") == [(4, 500), (16, 200)]


def test_evaluate_set_rows_read_the_net_on_every_position(tmp_path):
    """With the fast sweep on fewer positions than the set, the net's MSE, its symmetric average
    and the SL-rollout rows' same-position figures all come from the net on the whole set."""
    pytest.importorskip("jax")
    from go_engine.nets.value_config import ValueNetConfig, save_value_weights
    from go_engine.nets.value_net import ValueNetRunner, init_value_variables
    from go_engine.training.value_eval import evaluate_set
    from go_engine.training.value_train import mse

    from tests.rl_helpers import tiny_policy_file
    cfg = ValueNetConfig(board_size=N, layers=2, filters=4, first_kernel=3, in_planes=49, fc_units=8)
    weights = tmp_path / "value.npz"
    save_value_weights(weights, cfg, init_value_variables(cfg, 1))
    data = _decided_set()
    row = evaluate_set(str(weights), data, 0.0, sl_weights=str(tiny_policy_file(tmp_path / "p.npz", N)),
                       sl_rollouts=[(1, 1)], fast_positions=1, komi=0.5, kinds=("random",), symmetries=8)
    runner = ValueNetRunner(weights)
    values, symmetric = runner.values(data.planes()), runner.values(data.planes(), 8)
    assert row["fast"]["positions"] == 1 and row["positions"] == 2
    assert row["value_net_mse"] == pytest.approx(mse(values, data.z), abs=1e-6)
    assert row["value_net_symmetries"] == 8
    assert row["value_net_symmetric_mse"] == pytest.approx(mse(symmetric, data.z), abs=1e-6)
    assert row["sl_rollouts"][0]["value_net_mse_same"] == pytest.approx(mse(values[:1], data.z[:1]), abs=1e-6)

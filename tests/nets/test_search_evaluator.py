"""``NetworkEvaluator``: both networks in one call, padded to exact small sizes, callable from
several threads at once, with the same numbers as the networks it wraps."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from go_engine.rules.game import Game
from go_engine.rules.position import BLACK, WHITE
from go_engine.shipped import shipped_data_dir

pytest.importorskip("jax")
DATA = shipped_data_dir()
pytestmark = pytest.mark.skipif(not (DATA / "policy_9.npz").exists() or not (DATA / "value_9.npz").exists(),
                                reason="shipped 9x9 networks missing")


def some_positions(count: int, seed: int = 0):
    """``count`` positions from short random games (either side to move)."""
    rng = np.random.default_rng(seed)
    out = []
    game = Game(9, 7.0)
    while len(out) < count:
        legal = [p for p in range(81) if game.position.is_legal(p, game.to_play)]
        game.play(int(rng.choice(legal)), game.to_play)
        pos = game.position.copy()
        out.append(pos)
    return out


@pytest.fixture(scope="module")
def evaluator():
    from go_engine.nets.search_evaluator import NetworkEvaluator
    # the networks' own numbers: no ladder-run pruning (tests/players/test_alphago_player.py tests that)
    return NetworkEvaluator(DATA / "policy_9.npz", DATA / "value_9.npz", 9, prune_ladder_runs=False)


def test_batch_buckets_are_exact_for_small_batches():
    from go_engine.nets.search_evaluator import EXACT_BUCKETS, batch_bucket
    assert [batch_bucket(b) for b in range(1, EXACT_BUCKETS + 1)] == list(range(1, EXACT_BUCKETS + 1))
    assert batch_bucket(9) == 12 and batch_bucket(16) == 16 and batch_bucket(17) == 24


def test_one_call_gives_the_networks_own_numbers(evaluator):
    from go_engine.features.planes import N_VALUE_PLANES, position_planes
    from go_engine.nets.search_evaluator import PASS_PRIOR
    positions = some_positions(11)
    priors, values = evaluator.evaluate(positions)
    assert priors.shape == (11, 82) and values.shape == (11,)
    np.testing.assert_allclose(priors.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(priors[:, -1], PASS_PRIOR)
    for k in (0, 5, 10):   # each row as the policy and value runners give it on its own
        logp = evaluator.policy.position_log_probs(positions[k])
        np.testing.assert_allclose(priors[k, :-1], np.exp(logp) * (1 - PASS_PRIOR), rtol=1e-4, atol=1e-7)
        planes = position_planes(positions[k], n_planes=N_VALUE_PLANES)[None]
        assert values[k] == pytest.approx(float(evaluator.value.values(planes)[0]), abs=1e-5)
    # padding never leaks between rows: every batch size gives every row the same numbers
    for b in (1, 2, 3, 8, 9):
        p_b, v_b = evaluator.evaluate(positions[:b])
        np.testing.assert_allclose(p_b, priors[:b], rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(v_b, values[:b], atol=1e-5)


def test_the_prior_temperature_flattens_the_softmax():
    from go_engine.nets.search_evaluator import PASS_PRIOR, NetworkEvaluator
    hot = NetworkEvaluator(DATA / "policy_9.npz", None, 9, prior_temperature=2.0)
    pos = some_positions(3)[-1]
    priors, values = hot.evaluate([pos])
    assert values[0] == 0.0   # no value network: no opinion
    logp = hot.policy.position_log_probs(pos) / 2.0
    expected = np.exp(logp - logp.max())
    np.testing.assert_allclose(priors[0, :-1], expected / expected.sum() * (1 - PASS_PRIOR), rtol=1e-4, atol=1e-7)


def test_calls_from_two_threads_at_once_give_the_same_numbers(evaluator):
    positions = some_positions(12, seed=3)
    white = positions[4].copy()
    white.to_play = WHITE if white.to_play == BLACK else BLACK
    positions.append(white)
    expected = [evaluator.evaluate(positions[k::2]) for k in range(2)]
    results: list = [None, None]

    def work(k: int) -> None:
        for _ in range(5):
            results[k] = evaluator.evaluate(positions[k::2])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        np.testing.assert_allclose(results[k][0], expected[k][0], rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(results[k][1], expected[k][1], atol=1e-6)


def test_a_value_net_on_the_policys_trunk_shares_its_pass(tmp_path):
    """A value net whose frozen trunk is the policy's convolutions: the evaluator runs them once
    for both networks and gives each the numbers it gives on its own; a trunk that differs in
    one weight is not shared."""
    import jax

    from go_engine.features.planes import N_VALUE_PLANES, position_planes
    from go_engine.nets.search_evaluator import PASS_PRIOR, NetworkEvaluator
    from go_engine.nets.value_config import ValueNetConfig, save_value_weights
    from go_engine.nets.value_net import init_value_variables, trunk_from_policy
    config, trunk = trunk_from_policy(DATA / "policy_9.npz", ValueNetConfig(board_size=9, layers=2, filters=8,
                                                                            first_kernel=3, fc_units=16))
    params = dict(init_value_variables(config, seed=1)["params"])
    params["trunk"] = jax.tree_util.tree_map(np.asarray, trunk)
    save_value_weights(tmp_path / "v.npz", config, {"params": params})
    shared = NetworkEvaluator(DATA / "policy_9.npz", tmp_path / "v.npz", 9)
    assert shared.shared_trunk
    positions = some_positions(6, seed=3)
    priors, values = shared.evaluate(positions)
    for k in range(6):
        logp = shared.policy.position_log_probs(positions[k])
        np.testing.assert_allclose(priors[k, :-1], np.exp(logp) * (1 - PASS_PRIOR), rtol=1e-4, atol=1e-7)
        planes = position_planes(positions[k], n_planes=N_VALUE_PLANES)[None]
        assert values[k] == pytest.approx(float(shared.value.values(planes)[0]), abs=1e-5)
    params["trunk"]["conv_0"]["bias"] = params["trunk"]["conv_0"]["bias"] + 1e-3
    save_value_weights(tmp_path / "v2.npz", config, {"params": params})
    assert not NetworkEvaluator(DATA / "policy_9.npz", tmp_path / "v2.npz", 9).shared_trunk


def test_a_value_net_with_a_trained_trunk_runs_its_own(tmp_path):
    """A value net trained with ``trunk_lr_scale`` > 0 from the policy's convolutions carries a
    trunk of its own: the evaluator must not feed it the policy's features, and its values are
    those of the value net on its own."""
    from go_engine.features.planes import N_VALUE_PLANES, position_planes
    from go_engine.nets.search_evaluator import NetworkEvaluator, priors_and_values_fn
    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.value_net import ValueNetRunner
    from go_engine.nets.weights import load_policy_weights
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_train import ValueTrainer
    cfg = ValueConfig(layers=2, filters=8, first_kernel=3, fc_units=16, lr=0.003, batch_size=8, steps=3,
                      trunk_weights=str(DATA / "policy_9.npz"), trunk_lr_scale=1.0, seed=2)
    trainer = ValueTrainer(cfg, 9)
    rng = np.random.default_rng(0)
    for _ in range(3):
        trainer.step(rng.integers(0, 2, (8, 9, 9, N_VALUE_PLANES)).astype(np.uint8),
                     rng.choice([-1.0, 1.0], 8).astype(np.float32))
    trainer.export(tmp_path / "v.npz", {})
    _, variables, _ = load_value_weights(tmp_path / "v.npz")
    _, pvars, _ = load_policy_weights(DATA / "policy_9.npz")
    assert not np.array_equal(variables["params"]["trunk"]["conv_0"]["kernel"], pvars["params"]["conv_0"]["kernel"])
    ev = NetworkEvaluator(DATA / "policy_9.npz", tmp_path / "v.npz", 9)
    assert not ev.shared_trunk
    alone = ValueNetRunner(tmp_path / "v.npz")
    positions = some_positions(7, seed=5)
    planes = np.stack([position_planes(p, n_planes=N_VALUE_PLANES) for p in positions])
    _, values = ev.evaluate(positions)
    expected = alone.values(planes)
    np.testing.assert_allclose(values, expected, atol=1e-5)
    # what sharing would have given: the policy's features in place of the trained trunk's
    wrong = priors_and_values_fn(ev.policy.config, ev.value.config, shared_trunk=True)(
        ev.policy.variables, ev.value.variables, planes, np.float32(1.0))[1]
    assert np.all(np.abs(expected) < 0.99) and np.max(np.abs(np.asarray(wrong) - expected)) > 1e-3

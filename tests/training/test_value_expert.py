"""Value training on expert games: which games are kept, one fresh position per game per
epoch labelled from the side to move, learning, and a killed run resuming exactly."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")

from go_engine.rules import board_kernels as bk  # noqa: E402
from go_engine.training.data_build import RawGame, ShardWriter  # noqa: E402
from go_engine.training.value_expert import ExpertGames  # noqa: E402

N = 5
PASS = N * N


def _game(centre: bool, rng, komi: float = 7.5, winner: int | None = None) -> RawGame:
    """Black opens on the centre (and wins) or on a corner (and loses), then both pass."""
    p = 12 if centre else int(rng.choice([0, 4, 20, 24]))
    moves = np.array([p, -(PASS + 1), PASS], np.int16)
    return RawGame(N, moves, (1 if centre else -1) if winner is None else winner, komi)


def _shards(path, games_per_split: int = 64):
    rng = np.random.default_rng(0)
    path.mkdir(parents=True)
    for split in ("train", "val"):
        writer = ShardWriter(path, split, N, games_per_shard=40)
        for i in range(games_per_split):
            writer.add(_game(i % 2 == 0, rng))
        writer.add(_game(True, rng, komi=0.5))            # another komi: dropped
        writer.add(_game(True, rng, komi=float("nan")))   # no komi recorded: dropped
        writer.add(_game(True, rng, winner=0))            # no result: dropped
        writer.flush()
    return path


def test_games_kept_and_one_position_per_game_from_the_side_to_move(tmp_path):
    games = ExpertGames.load(_shards(tmp_path / "s"), "train", (6.5, 7.5), min_moves=1)
    assert games.size == 64
    assert games.dropped["komi missing or not 6.5/7.5"] == 2
    assert games.dropped["no winner (draw or unknown result)"] == 1
    short = ExpertGames.load(tmp_path / "s", "train", (7.5,), min_moves=4)
    assert short.size == 0 and short.dropped["fewer than 4 moves"] == 64
    a, b = games.positions((0, 0, 1)), games.positions((0, 1, 1))
    assert a.size == games.size and np.all((a.plies >= 0) & (a.plies < games.lengths))
    assert not np.array_equal(a.plies, b.plies)  # a fresh position each epoch
    for ply, to_play, z, win in zip(a.plies, a.to_play, a.z, games.winner):
        assert to_play == (bk.WHITE if ply == 1 else bk.BLACK)  # black opens, white passes, black passes
        assert z == (win if to_play == bk.BLACK else -win)


def test_expert_value_training_learns_and_resumes_exactly(tmp_path):
    from go_engine.nets.value_config import load_value_weights
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_expert import train_value_expert
    shards = _shards(tmp_path / "s")
    base = dict(expert_shards=str(shards), expert_min_moves=1, val_positions=64, layers=2, filters=8,
                first_kernel=3, fc_units=16, lr=0.01, steps=40, batch_size=16, log_every=10, eval_every=20,
                checkpoint_every=20, seed=3)
    straight = train_value_expert(ValueConfig(out=str(tmp_path / "a"), **base), progress=False)
    cfg = ValueConfig(out=str(tmp_path / "b"), **base)
    train_value_expert(cfg, progress=False, stop_at_step=30)  # killed after step 30: checkpoint at 20
    resumed = train_value_expert(cfg, progress=False)
    assert resumed["start_step"] == 20 and resumed["step"] == 40
    assert straight["val"]["val_mse"] < straight["val"]["constant_mse"]
    _, va, _ = load_value_weights(tmp_path / "a" / "value.npz")
    _, vb, _ = load_value_weights(tmp_path / "b" / "value.npz")
    for layer in va["params"]:
        for name in va["params"][layer]:
            np.testing.assert_allclose(va["params"][layer][name], vb["params"][layer][name], rtol=1e-5, atol=1e-6)
    assert (tmp_path / "a" / "metrics.png").is_file()


def test_final_ownership_and_its_symmetries_follow_the_planes(tmp_path):
    from go_engine.training.value_expert import attach_ownership, final_ownership, symmetric_batch
    games = ExpertGames.load(_shards(tmp_path / "s"), "train", (7.5,), min_moves=1)
    own = final_ownership(games, playouts=16, progress=False)
    assert own.shape == (games.size, N * N) and own.dtype == np.float16
    assert np.all(np.abs(own.astype(np.float32)) <= 1)
    assert not np.allclose(own, 0)   # the playouts settle the boards
    attach_ownership(games, tmp_path / "s", "train", 16, progress=False)   # computed and cached
    cached = np.load(tmp_path / "s" / "ownership-train-k16.npz")["ownership"]
    np.testing.assert_array_equal(cached, games.ownership)
    rng = np.random.default_rng(0)
    planes = rng.integers(0, 2, (32, N, N, 3)).astype(np.uint8)
    maps = planes[..., 0].astype(np.float32) * 2 - 1   # the map mirrors plane 0
    p2, m2 = symmetric_batch(planes, maps, np.random.default_rng(5))
    np.testing.assert_array_equal(m2, p2[..., 0].astype(np.float32) * 2 - 1)
    assert not np.array_equal(p2, planes)


@pytest.mark.parametrize("score_skip", [False, True])
def test_ownership_auxiliary_loss_trains(tmp_path, score_skip):
    from go_engine.nets.value_config import load_value_weights
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_expert import train_value_expert
    shards = _shards(tmp_path / "s")
    cfg = ValueConfig(out=str(tmp_path / "o"), expert_shards=str(shards), expert_min_moves=1, val_positions=64,
                      layers=2, filters=8, first_kernel=3, fc_units=16, lr=0.01, steps=30, batch_size=16,
                      log_every=10, eval_every=15, checkpoint_every=15, seed=3, ownership_weight=0.5,
                      ownership_playouts=4, score_skip=score_skip)
    summary = train_value_expert(cfg, progress=False)
    assert summary["step"] == 30 and (shards / "ownership-train-k4.npz").is_file()
    assert summary["val"]["val_mse"] < summary["val"]["constant_mse"]
    net_cfg, variables, _ = load_value_weights(tmp_path / "o" / "value.npz")
    assert net_cfg.score_skip == score_skip
    if score_skip:  # the path that starts at zero has learned something
        assert np.abs(variables["params"]["score_out"]["kernel"]).max() > 0


def _trunk(params: dict) -> dict:
    return {f"{layer}/{k}": np.asarray(v) for layer, d in params["trunk"].items() for k, v in d.items()}


@pytest.mark.parametrize("scale", [0.0, 0.5])
def test_policy_trunk_frozen_by_default_and_trained_with_a_scale(tmp_path, scale):
    """trunk_lr_scale 0 (the default) keeps the copied policy convolutions as they were;
    > 0 trains them (and the exported weights carry the trained trunk)."""
    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.weights import load_policy_weights
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_expert import train_value_expert

    from tests.rl_helpers import tiny_policy_file
    policy = tiny_policy_file(tmp_path / "policy.npz", N, 2)
    cfg = ValueConfig(out=str(tmp_path / "t"), expert_shards=str(_shards(tmp_path / "s")), expert_min_moves=1,
                      val_positions=32, layers=2, filters=8, first_kernel=3, fc_units=16, lr=0.01, steps=8,
                      batch_size=16, log_every=4, eval_every=8, checkpoint_every=8, seed=3,
                      trunk_weights=str(policy), trunk_lr_scale=scale)
    train_value_expert(cfg, progress=False)
    _, pvars, _ = load_policy_weights(policy)
    _, variables, _ = load_value_weights(tmp_path / "t" / "value.npz")
    trained = _trunk(variables["params"])
    copied = {f"{layer}/{k}": np.asarray(pvars["params"][layer][k]) for layer in variables["params"]["trunk"]
              for k in ("kernel", "bias")}
    changed = sorted(k for k in copied if not np.array_equal(trained[k], copied[k]))
    assert changed == ([] if scale == 0 else sorted(copied))


def test_trunk_lr_scale_needs_a_trunk():
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_train import ValueTrainer
    with pytest.raises(ValueError, match="trunk_weights"):
        ValueTrainer(ValueConfig(trunk_lr_scale=0.1, layers=2, filters=4, fc_units=8), N)
    with pytest.raises(ValueError, match="trunk_lr_scale"):
        ValueConfig(trunk_lr_scale=-1.0)
    with pytest.raises(ValueError, match="playout_target_weight"):
        ValueConfig(playout_target_weight=1.5)


def test_playout_targets_are_the_playout_means_of_the_batch(tmp_path):
    """w = 1: the targets are exactly k nakade playouts from each batch position (side to move's
    view, the game's komi, seeded by (seed, step)), as value_eval computes them on their own;
    w = 0.5 mixes them half and half with z; the thread count changes nothing."""
    from go_engine.training.value_eval import fast_rollout_estimates
    from go_engine.training.value_expert import EpochBatches, playout_seed
    games = ExpertGames.load(_shards(tmp_path / "s"), "train", (7.5,), min_moves=1)
    assert np.all(games.komi == 7.5)
    full = EpochBatches(games, 16, seed=3, symmetries=True, playout_weight=1.0, playouts=8)
    half = EpochBatches(games, 16, seed=3, symmetries=True, playout_weight=0.5, playouts=8, playout_threads=3)
    plain = EpochBatches(games, 16, seed=3, symmetries=True)
    try:
        for step in (0, 5):   # 4 steps per epoch: step 5 is in the second epoch
            data, idx = full.batch_positions(step)
            sub = data.subset(idx)
            m, _ = fast_rollout_estimates(sub, "nakade", 8, 7.5, seed=playout_seed(3, step))
            got = full.get(step)
            np.testing.assert_array_equal(got.target, m)
            assert not np.array_equal(got.target, sub.z)
            assert got.playout_gap == pytest.approx(float(np.mean(np.abs(m - sub.z))))
            np.testing.assert_allclose(half.get(step).target, 0.5 * sub.z + 0.5 * m, atol=1e-7)
            base = plain.get(step)
            np.testing.assert_array_equal(base.target, sub.z)
            assert base.playout_gap is None
            np.testing.assert_array_equal(base.planes, got.planes)
        assert playout_seed(3, 0) != playout_seed(3, 5)
    finally:
        for b in (full, half, plain):
            b.close()


def test_playout_targets_and_a_trained_trunk_resume_exactly(tmp_path):
    """With both options on, a run killed after step 30 (checkpoint at 20) and resumed ends
    with the same weights as a straight run, and logs the playouts' distance from z."""
    import jax

    from go_engine.nets.value_config import load_value_weights
    from go_engine.training.plot import read_metrics
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_expert import train_value_expert

    from tests.rl_helpers import tiny_policy_file
    policy = tiny_policy_file(tmp_path / "policy.npz", N, 2)
    base = dict(expert_shards=str(_shards(tmp_path / "s")), expert_min_moves=1, val_positions=64, layers=2,
                filters=8, first_kernel=3, fc_units=16, lr=0.01, steps=40, batch_size=16, log_every=10,
                eval_every=20, checkpoint_every=20, seed=3, playout_target_weight=0.5, playout_target_playouts=4,
                trunk_weights=str(policy), trunk_lr_scale=0.1)
    train_value_expert(ValueConfig(out=str(tmp_path / "a"), **base), progress=False)
    cfg = ValueConfig(out=str(tmp_path / "b"), **base)
    train_value_expert(cfg, progress=False, stop_at_step=30)
    resumed = train_value_expert(cfg, progress=False)
    assert resumed["start_step"] == 20 and resumed["step"] == 40
    _, va, _ = load_value_weights(tmp_path / "a" / "value.npz")
    _, vb, _ = load_value_weights(tmp_path / "b" / "value.npz")
    leaves_a, tree_a = jax.tree_util.tree_flatten(va)
    leaves_b, tree_b = jax.tree_util.tree_flatten(vb)
    assert tree_a == tree_b and "trunk" in va["params"]
    for a, b in zip(leaves_a, leaves_b):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    rows = [r for r in read_metrics(tmp_path / "a" / "metrics.jsonl") if r.get("kind") == "train"]
    assert len(rows) == 4 and all(0 < r["playout_gap"] <= 2 for r in rows)


def test_init_weights_warm_starts_every_matching_parameter(tmp_path):
    """A warm start (``init_weights``) copies each parameter of the same name and shape (the trunk
    and equal head layers) from a value weight file and leaves a wider layer at its fresh init."""
    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.weights import flatten_tree
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_expert import train_value_expert
    from go_engine.training.value_train import ValueTrainer

    from tests.rl_helpers import tiny_policy_file
    policy = tiny_policy_file(tmp_path / "policy.npz", N, 2)
    base = dict(expert_shards=str(_shards(tmp_path / "s")), expert_min_moves=1, val_positions=32, layers=3,
                filters=8, first_kernel=3, fc_units=16, lr=0.01, steps=8, batch_size=16, log_every=4, eval_every=8,
                checkpoint_every=8, seed=3, trunk_weights=str(policy), trunk_lr_scale=1.0)
    train_value_expert(ValueConfig(out=str(tmp_path / "a"), **base), progress=False)
    source = flatten_tree(load_value_weights(tmp_path / "a" / "value.npz")[1]["params"])
    same = ValueTrainer(ValueConfig(**{**base, "seed": 4}), N)
    copied = same.warm_start(str(tmp_path / "a" / "value.npz"))
    got = flatten_tree(same.state["params"])
    assert sorted(copied) == sorted(source)
    assert all(np.array_equal(got[k], source[k]) for k in source)
    wider = ValueTrainer(ValueConfig(**{**base, "filters": 12, "seed": 4}), N)
    copied = wider.warm_start(str(tmp_path / "a" / "value.npz"))
    got = flatten_tree(wider.state["params"])
    assert {k for k in source if k.startswith("trunk/")} <= set(copied)
    assert "conv_1/kernel" not in copied and got["conv_1/kernel"].shape != source["conv_1/kernel"].shape
    assert all(np.array_equal(got[k], source[k]) for k in copied)
    with pytest.raises(ValueError, match="no parameter"):
        from go_engine.training.value_train import warm_start
        warm_start({"x": np.zeros(3)}, str(tmp_path / "a" / "value.npz"))

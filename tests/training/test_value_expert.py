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


def test_ownership_auxiliary_loss_trains(tmp_path):
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_expert import train_value_expert
    shards = _shards(tmp_path / "s")
    cfg = ValueConfig(out=str(tmp_path / "o"), expert_shards=str(shards), expert_min_moves=1, val_positions=64,
                      layers=2, filters=8, first_kernel=3, fc_units=16, lr=0.01, steps=30, batch_size=16,
                      log_every=10, eval_every=15, checkpoint_every=15, seed=3, ownership_weight=0.5,
                      ownership_playouts=4)
    summary = train_value_expert(cfg, progress=False)
    assert summary["step"] == 30 and (shards / "ownership-train-k4.npz").is_file()
    assert summary["val"]["val_mse"] < summary["val"]["constant_mse"]

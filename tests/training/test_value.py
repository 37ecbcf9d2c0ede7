"""Value data (one position per game, labels from the side to move), the value net's
weights and evaluator, training that lowers the loss, and resumed training."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("jax")

from go_engine.rules import board_kernels as bk  # noqa: E402
from go_engine.training.value_data import ValueSet, generate_value_data, label_positions  # noqa: E402

from tests.rl_helpers import replay_checked, tiny_policy_file  # noqa: E402

N = 5
PASS = N * N


def test_label_positions_one_per_game_from_the_side_to_move():
    games = [[12, -(1 + 1), 3, -(4 + 1), 5], [7, -(8 + 1)], [2, -(3 + 1), 4]]
    lens = np.array([len(g) for g in games], np.int32)
    arrays = {"moves": np.concatenate([np.array(g, np.int16) for g in games]),
              "game_start": np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64), "game_len": lens,
              "winner": np.array([1, -1, 1], np.int8)}
    out = label_positions(arrays, np.array([1, 3, 0]))  # game 1 ends before its move 3: dropped
    assert list(out["pos_game"]) == [0, 2]
    assert list(out["pos_ply"]) == [2, 1]
    # game 0: after 2 moves black is to move, black won -> +1; game 2: after 1 move white to move, black won -> -1
    assert list(out["pos_to_play"]) == [bk.BLACK, bk.WHITE]
    assert list(out["pos_z"]) == [1.0, -1.0]


@pytest.mark.parametrize("games,batch,shard_games,threads", [(6, 6, 1024, 1), (13, 4, 5, 1), (13, 4, 5, 2)])
def test_generated_value_data_follows_alphago(tmp_path, games, batch, shard_games, threads):
    """(13, 4, 5): four games at a time, each finished game's slot starting the next one, a
    shard of every five finished games; with two threads, two streams of two games."""
    sl = tiny_policy_file(tmp_path / "sl.npz", N, 0)
    rl = tiny_policy_file(tmp_path / "rl.npz", N, 1)
    summary = generate_value_data(str(sl), str(rl), games, tmp_path / "vd", n=N, batch=batch, komi=0.5, u_max=8,
                                  progress=False, ladders=False, shard_games=shard_games, threads=threads)
    assert summary["games"] == games and summary["positions"] + summary["dropped"] == games
    shards = sorted((tmp_path / "vd").glob("value-*.npz"))
    assert 1 <= len(shards) == summary["shards"] <= -(-games // shard_games)
    again = generate_value_data(str(sl), str(rl), games, tmp_path / "vd2", n=N, batch=batch, komi=0.5, u_max=8,
                                progress=False, ladders=False, shard_games=shard_games, threads=threads)
    assert again["positions"] == summary["positions"]
    first, second = ValueSet.load(tmp_path / "vd"), ValueSet.load(tmp_path / "vd2")
    key = lambda vs: sorted(tuple(vs.moves[s:s + p].tolist()) + (float(z),)  # noqa: E731
                            for s, p, z in zip(vs.starts, vs.plies, vs.z))
    assert key(first) == key(second)  # the same games and positions for a seed
    positions = 0
    for shard in shards:
        with np.load(shard) as z:
            positions += _check_value_shard({k: z[k] for k in z.files})
    assert positions == summary["positions"]
    vs = ValueSet.load(tmp_path / "vd")
    planes = vs.planes()
    assert planes.shape == (vs.size, N, N, 49)
    assert np.all(planes[:, :, :, 48] == (vs.to_play == bk.BLACK)[:, None, None])  # player colour plane


def _check_value_shard(d: dict) -> int:
    """Every labelled position of a shard: one per game, after the one random move, z right."""
    assert len(d["pos_game"]) == len(set(d["pos_game"].tolist()))  # one per game
    assert d["game_start"][0] == 0 and np.all(np.diff(d["game_start"]) == d["game_len"][:-1])
    for i, g in enumerate(d["pos_game"]):
        s, ln = int(d["game_start"][g]), int(d["game_len"][g])
        codes = d["moves"][s:s + ln]
        u = int(d["random_move_ply"][g])
        probs = d["move_prob"][s:s + ln].astype(np.float32)
        assert probs[u] == -1.0  # the one uniformly random move
        assert np.sum(probs == -1.0) == 1
        assert d["pos_ply"][i] == u + 1
        game = replay_checked(N, codes, 0.5)
        winner = int(np.sign(game.position.area_score(0.5)))
        assert winner == d["winner"][g]
        prefix = replay_checked(N, codes[:u + 1], 0.5)
        assert prefix.position.to_play == d["pos_to_play"][i]
        assert d["pos_z"][i] == (winner if d["pos_to_play"][i] == bk.BLACK else -winner)
    return len(d["pos_game"])


def _dataset(tmp_path):
    """Toy positions whose label is readable from the planes: after 1 move, +1 if black took
    the centre. Stored as a value shard so the real loader is used."""
    from go_engine.training.selfplay import write_npz_atomic
    rng = np.random.default_rng(0)
    codes, starts, z = [], [], []
    for i in range(64):
        p = 12 if i % 2 == 0 else int(rng.choice([0, 4, 20, 24]))
        codes.append([p, -(PASS + 1)])  # black p, white passes
        starts.append(2 * i)
        z.append(1.0 if p == 12 else -1.0)
    moves = np.array(codes, np.int16).ravel()
    d = {"board_size": np.int32(N), "moves": moves, "game_start": np.array(starts, np.int64),
         "pos_game": np.arange(64, dtype=np.int32), "pos_ply": np.ones(64, np.int32),
         "pos_to_play": np.full(64, bk.WHITE, np.int8), "pos_z": np.array(z, np.float32)}
    (tmp_path / "d").mkdir()
    write_npz_atomic(tmp_path / "d" / "value-0000-00000.npz", d)
    return tmp_path / "d"


def test_value_net_learns_and_resumes(tmp_path):
    from dataclasses import replace

    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.weights import load_policy_weights
    from go_engine.nets.value_net import ValueNetRunner
    from go_engine.training.plot import read_metrics
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_train import train_value
    data = _dataset(tmp_path)
    cfg = ValueConfig(data=str(data), out=str(tmp_path / "run"), val_fraction=0.25, layers=2, filters=8,
                      first_kernel=3, fc_units=16, lr=0.01, steps=60, batch_size=16, log_every=10, eval_every=20,
                      checkpoint_every=20, symmetries=True, seed=1)
    train_value(cfg, progress=False, stop_at_step=30)  # a kill after step 30 (checkpoint at 20)
    summary = train_value(cfg, progress=False)
    assert summary["start_step"] == 20 and summary["step"] == 60
    rows = read_metrics(tmp_path / "run" / "metrics.jsonl")
    train_rows = [r for r in rows if r["kind"] == "train"]
    assert [r["step"] for r in train_rows] == [10, 20, 30, 40, 50, 60]
    assert train_rows[-1]["loss"] < 0.5 * train_rows[0]["loss"]
    val = summary["val"]
    assert val["val_mse"] < val["constant_mse"]
    config, variables, meta = load_value_weights(tmp_path / "run" / "value.npz")
    assert config.in_planes == 49 and meta["step"] == 60
    ev = ValueNetRunner(tmp_path / "run" / "value.npz")
    vs = ValueSet.load(data)
    v = ev.values(vs.planes())
    assert v.shape == (64,) and np.all(np.abs(v) <= 1)
    assert np.mean((v - vs.z) ** 2) < 0.5
    with pytest.raises(ValueError, match="not a value-network weight file"):
        load_value_weights(tiny_policy_file(tmp_path / "p.npz", N))
    with pytest.raises(ValueError, match="not a policy weight file"):
        load_policy_weights(tmp_path / "run" / "value.npz")
    with pytest.raises(FileNotFoundError, match="no value-network weight file"):
        load_value_weights(tmp_path / "missing.npz")
    assert replace(cfg, steps=1).steps == 1


def test_value_net_on_a_frozen_policy_trunk(tmp_path):
    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.value_net import ValueNetRunner
    from go_engine.nets.weights import load_policy_weights
    from go_engine.training.rl_config import ValueConfig
    from go_engine.training.value_train import train_value
    data = _dataset(tmp_path)
    policy = tiny_policy_file(tmp_path / "policy.npz", N, 3)
    cfg = ValueConfig(data=str(data), out=str(tmp_path / "run"), val_fraction=0.25, layers=2, filters=8,
                      first_kernel=3, fc_units=16, lr=0.01, steps=60, batch_size=16, log_every=10, eval_every=20,
                      checkpoint_every=20, trunk_weights=str(policy), seed=1)
    train_value(cfg, progress=False, stop_at_step=30)
    summary = train_value(cfg, progress=False)  # resumes with the trunk still frozen
    assert summary["val"]["val_mse"] < summary["val"]["constant_mse"]
    config, variables, _ = load_value_weights(tmp_path / "run" / "value.npz")
    assert (config.trunk_layers, config.trunk_filters, config.trunk_first_kernel, config.trunk_planes) == (2, 4, 3, 48)
    _, pvars, _ = load_policy_weights(policy)
    for name in ("kernel", "bias"):  # copied and never trained
        assert np.array_equal(variables["params"]["trunk"]["conv_0"][name], pvars["params"]["conv_0"][name])
    assert variables["params"]["conv_0"]["kernel"].shape[2] == 4 + 49  # trunk features + raw planes
    vs = ValueSet.load(data)
    v = ValueNetRunner(tmp_path / "run" / "value.npz").values(vs.planes())
    assert np.mean((v - vs.z) ** 2) < 0.5

"""REINFORCE: which moves get credit, the sign of the update, resumable runs, and the
shard learner's ledger (no shard read twice or lost across a restart)."""
from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("jax")

from go_engine.rules import board_kernels as bk  # noqa: E402
from go_engine.training.rl import ReinforceLearner, learner_examples  # noqa: E402

from tests.rl_helpers import tiny_policy_file  # noqa: E402

N = 5
PASS = N * N


def _shard(games: list[list[int]], winners: list[int], learner: list[int], probs=None) -> dict:
    lens = np.array([len(g) for g in games], np.int32)
    moves = np.concatenate([np.array(g, np.int16) for g in games])
    return {"board_size": np.int32(N), "moves": moves, "game_start": np.concatenate([[0], np.cumsum(lens)[:-1]]),
            "game_len": lens, "winner": np.array(winners, np.int8), "learner_color": np.array(learner, np.int8),
            "move_prob": np.full(len(moves), 0.5, np.float16) if probs is None else np.array(probs, np.float16),
            "start_len": np.zeros(len(games), np.int32)}


def test_learner_examples_pick_learner_moves_with_their_reward():
    # game 0: learner black wins; game 1: learner white loses (black won)
    g0 = [12, -(1 + 1), 3, -(PASS + 1), PASS]
    g1 = [7, -(8 + 1), 9, -(10 + 1)]
    shard = _shard([g0, g1], [1, 1], [bk.BLACK, bk.WHITE])
    ex = learner_examples(shard, "none")
    assert list(zip(ex["game"], ex["ply"], ex["point"])) == [(0, 0, 12), (0, 2, 3), (1, 1, 8), (1, 3, 10)]
    assert list(ex["advantage"]) == [1, 1, -1, -1]  # the final pass of game 0 is not a choice
    ex = learner_examples(shard, "mean")
    assert ex["baseline"] == 0.0 and list(ex["advantage"]) == [1, 1, -1, -1]
    shard = _shard([g0, g0], [1, 1], [bk.BLACK, bk.BLACK])
    assert np.allclose(learner_examples(shard, "mean")["advantage"], 0.0)  # all won: no signal
    probs = [-1.0, 0.5, 0.5, 0.5, 0.0]  # a uniformly random first move gets no credit
    ex = learner_examples(_shard([g0], [1], [bk.BLACK], probs), "none")
    assert list(ex["ply"]) == [2]


@pytest.mark.parametrize("reward", [1, -1])
def test_reinforce_makes_rewarded_moves_likelier(tmp_path, reward):
    from go_engine.nets.weights import load_policy_weights
    from go_engine.rules.position import Position
    from go_engine.features.planes import position_planes
    from go_engine.training.selfplay import JitPolicy
    cfg, variables, _ = load_policy_weights(tiny_policy_file(tmp_path / "p.npz", N))
    learner = ReinforceLearner(cfg, variables, "sgd", lr=0.5, chunk=8)
    policy = JitPolicy(cfg)
    planes = position_planes(Position(N))[None]
    before = policy(learner.variables, planes)[0, 6]
    winner = 1 if reward > 0 else -1
    shard = _shard([[6, -(PASS + 1), PASS]] * 4, [winner] * 4, [bk.BLACK] * 4)
    for _ in range(3):
        learner.update([shard], "none")
    after = policy(learner.variables, planes)[0, 6]
    assert (after - before) * reward > 0.05, (before, after)


def _small_cfg(tmp_path, init):
    from go_engine.training.rl_config import RLConfig
    return RLConfig(init=str(init), out=str(tmp_path / "run"), board_size=N, komi=0.5, iterations=4, games=2,
                    optimizer="adam", lr=0.01, pool_every=2, eval_every=4, eval_games=2, checkpoint_every=2,
                    chunk=64, ladders=False, seed=3)


def test_rl_run_resumes_after_a_kill_to_the_same_result(tmp_path):
    from dataclasses import replace

    from go_engine.nets.weights import flatten_tree, load_policy_weights
    from go_engine.training.plot import read_metrics
    from go_engine.training.rl import train_rl
    init = tiny_policy_file(tmp_path / "sl.npz", N)
    whole = _small_cfg(tmp_path / "a", init)
    train_rl(whole, progress=False)
    parts = replace(whole, out=str(tmp_path / "b" / "run"))
    train_rl(parts, progress=False, stop_after=3)  # "killed" after iteration 3 (checkpoint at 2)
    train_rl(parts, progress=False)
    rows = [r for r in read_metrics(tmp_path / "b" / "run" / "metrics.jsonl") if r["kind"] == "train"]
    assert [r["iteration"] for r in rows] == [1, 2, 3, 4]  # iteration 3 redone once, not logged twice
    _, va, meta = load_policy_weights(tmp_path / "a" / "run" / "policy.npz")
    _, vb, _ = load_policy_weights(tmp_path / "b" / "run" / "policy.npz")
    assert meta["iteration"] == 4
    fa, fb = flatten_tree(va), flatten_tree(vb)
    assert fa.keys() == fb.keys()
    for key in fa:
        np.testing.assert_allclose(fa[key], fb[key], rtol=1e-4, atol=1e-6)
    pool = sorted(p.name for p in (tmp_path / "b" / "run" / "pool").glob("*.npz"))
    assert pool == ["pool-00000.npz", "pool-00002.npz", "pool-00004.npz"]
    assert (tmp_path / "b" / "run" / "metrics.png").is_file()


def test_shard_learner_ledger_survives_a_restart(tmp_path):
    from go_engine.training.distributed import ShardLearner, SelfPlayWorkerImpl
    init = tiny_policy_file(tmp_path / "sl.npz", N)
    run = tmp_path / "run"
    learner = ShardLearner(run, str(init), n=N, games_per_update=4, pool_every=100)
    worker = SelfPlayWorkerImpl(0, str(run), n=N, komi=0.5, ladders=False)
    for _ in range(5):
        worker.play_shard(2)  # 5 shards of 2 games
    assert learner.step() is not None and learner.step() is not None  # 2 updates use 4 shards
    assert learner.step() is None  # 2 games left: not enough for an update
    consumed = list(learner.ledger)
    del learner
    restarted = ShardLearner(run, str(init), n=N, games_per_update=4, pool_every=100)
    assert restarted.ledger == consumed and restarted.step_count == 2
    worker.play_shard(2)
    rec = restarted.step()
    assert rec is not None and restarted.step_count == 3
    ledger = restarted.ledger
    assert len(ledger) == len(set(ledger)) == 6  # every shard exactly once
    assert set(ledger) == {p.name for p in (run / "shards").glob("*.npz")}
    latest = json.loads((run / "weights" / "latest.json").read_text())
    assert latest["version"] == 3
    # a worker picks up the learner's newest weights
    worker.play_shard(2)
    assert worker.version == 3


def test_cli_train_subcommands_parse_into_configs(tmp_path):
    from go_engine_cli import build_parser
    from go_engine.training.rl_cli import cmd_train_rl, cmd_train_value, dataclass_from_args
    from go_engine.training.rl_config import RLConfig, ValueConfig
    cfg_file = tmp_path / "rl.json"
    cfg_file.write_text(json.dumps({"games": 16, "lr": 0.01}))
    args = build_parser().parse_args(["train", "rl", "--config", str(cfg_file), "--iterations", "3",
                                      "--baseline", "none"])
    assert args.func is cmd_train_rl
    cfg = dataclass_from_args(RLConfig, args)
    assert (cfg.iterations, cfg.games, cfg.lr, cfg.baseline) == (3, 16, 0.01, "none")
    args = build_parser().parse_args(["train", "value", "--data", "d", "--steps", "7", "--symmetries", "false"])
    assert args.func is cmd_train_value
    vcfg = dataclass_from_args(ValueConfig, args)
    assert (vcfg.data, vcfg.steps, vcfg.symmetries) == ("d", 7, False)
    with pytest.raises(ValueError, match="games per iteration must be even"):
        RLConfig(games=3)

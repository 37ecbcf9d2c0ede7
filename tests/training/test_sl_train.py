"""SL training with a tiny net: loss falls, a killed run resumes to the same step and
parameters, eval gives sane numbers, and the PolicyPlayer plays legal, sensible moves.
JAX is imported inside the tests only, so other test modules never pay for it."""
from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

from tests.sgf_fixtures import tiny_archive, random_game
from go_engine.training.data_build import build_shards
from go_engine.training.sl_config import SLConfig

# find_spec, not importorskip: collecting this file must not import JAX for the whole session
pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("jax", "flax", "optax", "matplotlib")),
    reason="training extras not installed (pip install -e .[train])")


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    root = tmp_path_factory.mktemp("sl")
    archive, _ = tiny_archive(root / "tiny.tar.xz", games=40, extras=False, local=True)
    build_shards([str(archive)], root / "shards", progress=False)
    return root, archive


def tiny_config(data, out, **kw) -> SLConfig:
    base = dict(data=str(data), out=str(out), layers=3, filters=16, batch_size=32, steps=40, optimizer="adam",
                lr=0.03, log_every=5, eval_every=20, eval_positions=64, checkpoint_every=20, seed=1)
    base.update(kw)
    return SLConfig(**base)


def test_tiny_net_learns(shards):
    from go_engine.training.plot import read_metrics
    from go_engine.training.sl import train
    root, _ = shards
    cfg = tiny_config(root / "shards", root / "learn", symmetries=False)
    summary = train(cfg, progress=False)
    assert summary["step"] == 40
    rows = [r for r in read_metrics(root / "learn" / "metrics.jsonl") if r["kind"] == "train"]
    assert rows[-1]["loss"] < rows[0]["loss"] - 1.0, [r["loss"] for r in rows]
    assert (root / "learn" / "metrics.png").stat().st_size > 1000
    assert (root / "learn" / "policy.npz").is_file()
    assert json.loads((root / "learn" / "config.json").read_text())["layers"] == 3
    assert summary["model_positions_per_s"] > 0 and summary["loader_positions_per_s"] > 0
    # the speed figures carry what they depend on: the JAX release and the CPU
    import jax
    assert summary["machine"]["jax"] == jax.__version__ and summary["machine"]["cores"] >= 1


def test_kill_and_resume_gives_same_step_and_parameters(shards):
    from go_engine.training.checkpoint import latest_checkpoint
    from go_engine.training.sl import train
    root, _ = shards
    straight = tiny_config(root / "shards", root / "straight", steps=12, checkpoint_every=6, eval_every=6)
    train(straight, progress=False)
    broken = tiny_config(root / "shards", root / "broken", steps=12, checkpoint_every=6, eval_every=6)
    train(broken, progress=False, stop_at_step=8)  # dies at step 8: steps 7-8 are lost
    (root / "broken" / "ckpt-00000008.npz.tmp").write_bytes(b"half a file")  # a write cut by the kill
    assert latest_checkpoint(root / "broken")[0] == 6
    summary = train(broken, progress=False)
    assert summary["start_step"] == 6 and summary["step"] == 12
    a = np.load(latest_checkpoint(root / "straight")[1])
    b = np.load(latest_checkpoint(root / "broken")[1])
    assert a.files == b.files
    for key in a.files:
        np.testing.assert_allclose(a[key], b[key], rtol=1e-5, atol=1e-6, err_msg=key)
    steps = [r["step"] for r in map(json.loads, (root / "broken" / "metrics.jsonl").read_text().splitlines())
             if r["kind"] == "train"]
    assert steps == sorted(steps) and len(steps) == len(set(steps))  # no duplicate lines after resume


def test_init_continues_from_a_weight_file_with_a_fresh_optimizer(shards):
    """--init starts a run from shipped weights once their checkpoints are gone."""
    from go_engine.nets.weights import flatten_tree, load_policy_weights
    from go_engine.training.plot import read_metrics
    from go_engine.training.sl import train
    root, _ = shards
    train(tiny_config(root / "shards", root / "first", steps=10), progress=False)
    _, first, _ = load_policy_weights(root / "first" / "policy.npz")
    go_on = tiny_config(root / "shards", root / "again", steps=2, lr=1e-9, init=str(root / "first" / "policy.npz"))
    summary = train(go_on, progress=False)
    assert summary["start_step"] == 0 and summary["step"] == 2
    _, again, _ = load_policy_weights(root / "again" / "policy.npz")
    flat_first, flat_again = flatten_tree(first), flatten_tree(again)
    assert flat_first.keys() == flat_again.keys()
    for key, value in flat_first.items():
        np.testing.assert_allclose(flat_again[key], value, atol=1e-5, err_msg=key)
    init_rows = [r for r in read_metrics(root / "again" / "metrics.jsonl") if r["kind"] == "init"]
    assert init_rows == [{"kind": "init", "step": 0, "weights": go_on.init, "weights_step": 10}]
    with pytest.raises(ValueError, match="different network"):
        train(tiny_config(root / "shards", root / "wider", filters=8, init=go_on.init), progress=False)


def test_init_grows_a_shallower_net_without_changing_its_predictions(shards):
    """A run with more layers starts from a shallower weight file: identity layers are inserted
    before the head, so at step 0 the deeper net gives the same log-probabilities; other
    differences (filters) and shrinking are refused."""
    from go_engine.nets.policy_inference import PolicyNetRunner
    from go_engine.training.plot import read_metrics
    from go_engine.training.shards import ShardSet
    from go_engine.training.sl import Trainer, fixed_sample, train
    root, _ = shards
    train(tiny_config(root / "shards", root / "shallow", steps=10), progress=False)
    shallow = str(root / "shallow" / "policy.npz")
    planes, _ = fixed_sample(ShardSet.load(root / "shards", "val"), 32)
    deep = Trainer(tiny_config(root / "shards", root / "deep", layers=6, init=shallow), 9)
    meta = deep.start_from_weights(shallow)
    assert meta["grown_from_layers"] == 3
    expected = PolicyNetRunner(shallow, board_size=9).log_probs(planes)
    np.testing.assert_allclose(deep.log_probs(planes), expected, atol=1e-4)
    summary = train(tiny_config(root / "shards", root / "deeper", layers=5, steps=4, init=shallow), progress=False)
    assert summary["step"] == 4
    init_rows = [r for r in read_metrics(root / "deeper" / "metrics.jsonl") if r["kind"] == "init"]
    assert init_rows[0]["grown_from_layers"] == 3
    with pytest.raises(ValueError, match="cannot shrink"):
        Trainer(tiny_config(root / "shards", root / "x", layers=2), 9).start_from_weights(shallow)
    with pytest.raises(ValueError, match="filters differs"):
        Trainer(tiny_config(root / "shards", root / "y", layers=5, filters=8), 9).start_from_weights(shallow)


def test_eval_policy_on_tiny_archive(shards):
    from go_engine.training.eval_policy import evaluate_policy
    from go_engine.training.sl import train
    root, archive = shards
    train(tiny_config(root / "shards", root / "ev", steps=20), progress=False)
    result = evaluate_policy(root / "ev" / "policy.npz", sgf=[str(archive)])
    assert result["games"] == 40
    assert result["positions"] == sum(len(g) for g in _game_lengths(archive))
    assert 0.0 <= result["top1"] <= result["top5"] <= 1.0
    assert np.isfinite(result["log_loss"]) and 0 < result["log_loss"] < 2 * np.log(81)
    on_test = evaluate_policy(root / "ev" / "policy.npz", shards=str(root / "shards"), split="train")
    assert on_test["positions"] > 0
    averaged = evaluate_policy(root / "ev" / "policy.npz", shards=str(root / "shards"), split="train", symmetries=8)
    assert averaged["positions"] == on_test["positions"] and averaged["symmetries"] == 8
    assert averaged["log_loss"] != on_test["log_loss"]
    with pytest.raises(ValueError, match="symmetries"):
        evaluate_policy(root / "ev" / "policy.npz", shards=str(root / "shards"), symmetries=4)


def test_log_probs_averaged_over_symmetries_score_each_position_as_alone(shards):
    """The 8-symmetry average over a batch scores every position as it would alone, and a
    turned board gives the same averaged prediction turned."""
    from go_engine.features.planes import apply_symmetry, symmetry_point_maps
    from go_engine.nets.policy_inference import PolicyNetRunner
    from go_engine.training.shards import ShardSet
    from go_engine.training.sl import fixed_sample, train
    root, _ = shards
    train(tiny_config(root / "shards", root / "sym", steps=10), progress=False)
    runner = PolicyNetRunner(root / "sym" / "policy.npz", board_size=9)
    planes, _ = fixed_sample(ShardSet.load(root / "shards", "val"), 5)
    batch = runner.log_probs(planes, symmetries=8)
    for b in range(len(planes)):
        np.testing.assert_allclose(batch[b], runner.log_probs(planes[b:b + 1], symmetries=8)[0], atol=1e-5)
    np.testing.assert_allclose(np.exp(batch).sum(axis=1), 1.0, atol=1e-5)
    turned = runner.log_probs(apply_symmetry(planes, 3), symmetries=8)
    maps = symmetry_point_maps(9)[3, :81]
    np.testing.assert_allclose(turned[:, maps], batch, atol=1e-4)  # point p of the board sits at maps[p]
    with pytest.raises(ValueError, match="8 symmetries"):
        runner.log_probs(planes, symmetries=9)


def _game_lengths(archive):
    from go_engine.training.data_build import iter_sgf_texts, parse_game
    return [[m for m in parse_game(text).moves if m not in (81, -82)] for _, text in iter_sgf_texts([str(archive)])]


def test_policy_player_plays_legal_sensible_moves(shards):
    from go_engine.rules.game import Game
    from go_engine.players.policy import PolicyPlayer
    from go_engine.players.protocol import TimeBudget
    from go_engine.rules.position import BLACK, WHITE
    from go_engine.training.sl import train
    root, _ = shards
    weights = root / "learn" / "policy.npz"
    if not weights.is_file():
        train(tiny_config(root / "shards", root / "learn", steps=10), progress=False)
    for temperature in (0.0, 1.0):
        player = PolicyPlayer(weights, temperature=temperature, seed=1)
        game = random_game(9, 20, 5)
        for _ in range(10):
            color = game.to_play
            point = player.genmove(game, color, TimeBudget())
            assert point == 81 or game.is_legal(point, color)
            game.play(point, color)
    # nothing sensible left: every empty point is an own eye -> pass
    game = Game(9, 7.0)
    for p in range(81):
        r, c = divmod(p, 9)
        if (r + c) % 2 == 0:
            continue
        game.play(p, BLACK)
        game.play(81, WHITE)
    assert PolicyPlayer(weights).genmove(game, BLACK, TimeBudget()) == 81


SETTLED = """
X X X X X O O O O
X X X X X O O O O
X X X X X O O O O
X X X X X O O O O
X X X X X O . . O
X X X X X O O O O
X X X X X O O O O
X X X X X O O O O
. X . X X O . O .
"""


@pytest.mark.parametrize("komi, expect_pass", [(7.0, True), (10.0, False)])
def test_policy_player_passes_after_a_pass_only_when_the_count_wins(komi, expect_pass):
    # black 45 points, white 36: black wins with komi 7 and loses with komi 10, when it must
    # play on: G5 and H5, a two-point hole in white's living group (eyes G1 and J1), are its
    # only sensible moves
    from pathlib import Path

    from go_engine.rules.coords import vertex_to_point
    from go_engine.rules.game import Game
    from go_engine.players.policy import PolicyPlayer
    from go_engine.players.protocol import TimeBudget
    from go_engine.rules.position import BLACK, WHITE, Position
    weights = Path(__file__).resolve().parents[2] / "data" / "policy_9.npz"
    game = Game(9, komi)
    game.position = Position.from_ascii(SETTLED, to_play=WHITE)
    game.play(81, WHITE)
    point = PolicyPlayer(weights).genmove(game, BLACK, TimeBudget())
    if expect_pass:
        assert point == 81
    else:
        assert point in (vertex_to_point("G5", 9), vertex_to_point("H5", 9)), point


def test_policy_player_in_the_registry(shards):
    from go_engine.rules.game import Game
    from go_engine.players.protocol import TimeBudget
    from go_engine.players.registry import PlayerOptions, make_player
    root, _ = shards
    weights = root / "learn" / "policy.npz"
    if not weights.is_file():
        pytest.skip("needs the weights of test_tiny_net_learns")
    player = make_player("policy", PlayerOptions(extra={"weights": str(weights)}))
    game = Game(9, 7.0)
    point = player.genmove(game, game.to_play, TimeBudget())
    assert 0 <= point < 81 and game.is_legal(point)

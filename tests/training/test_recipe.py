"""``go-engine train recipe``: shards then the value net on them in one command; a rerun
reuses the shards and resumes the trainer instead of starting over."""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

pytest.importorskip("jax")

from tests.rl_helpers import tiny_policy_file  # noqa: E402
from tests.sgf_fixtures import tiny_archive  # noqa: E402


def _run(argv: list[str]) -> None:
    from go_engine.training.recipe import add_recipe_arguments
    parser = argparse.ArgumentParser()
    add_recipe_arguments(parser.add_subparsers())
    args = parser.parse_args(argv)
    assert args.func(args) == 0


def test_recipe_builds_shards_then_trains_the_value_net_and_resumes(tmp_path, capsys):
    (tmp_path / "sgf").mkdir()
    tiny_archive(tmp_path / "sgf" / "tiny.tar.xz", games=60, moves=40, extras=False)
    config = tmp_path / "value.json"
    config.write_text(json.dumps({"expert_komis": "7", "expert_min_moves": 10, "val_positions": 8, "layers": 2,
                                  "filters": 4, "first_kernel": 3, "fc_units": 8, "steps": 6, "batch_size": 8,
                                  "log_every": 2, "eval_every": 3, "checkpoint_every": 3}))
    trunk = tiny_policy_file(tmp_path / "trunk.npz", 9)
    argv = ["recipe", "--board-size", "9", "--sgf-dir", str(tmp_path / "sgf"), "--work", str(tmp_path / "w"),
            "--stages", "data,value", "--value-config", str(config), "--trunk", str(trunk), "--quiet"]
    _run(argv)
    first = capsys.readouterr().out
    assert (tmp_path / "w" / "shards" / "summary.json").is_file()
    assert (tmp_path / "w" / "value" / "value.npz").is_file()
    assert "copy" in first and '"step": 6' in first
    _run(argv)
    again = capsys.readouterr().out
    assert "already built" in again and '"start_step": 6' in again


def test_a_second_value_config_warm_starts_from_the_first_run(tmp_path, capsys):
    """--value-config A,B trains A in WORK/value, then B in WORK/value-2 starting from A's best
    export: B's trunk begins as A's trained trunk, not the policy's."""
    from go_engine.nets.value_config import load_value_weights
    from go_engine.nets.weights import flatten_tree
    (tmp_path / "sgf").mkdir()
    tiny_archive(tmp_path / "sgf" / "tiny.tar.xz", games=60, moves=40, extras=False)
    common = {"expert_komis": "7", "expert_min_moves": 10, "val_positions": 8, "layers": 2, "first_kernel": 3,
              "fc_units": 8, "batch_size": 8, "log_every": 2, "eval_every": 3, "checkpoint_every": 3,
              "trunk_lr_scale": 1.0, "lr": 0.01}
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({**common, "filters": 4, "steps": 6}))
    second.write_text(json.dumps({**common, "filters": 6, "steps": 2, "lr": 0.0}))  # lr 0: the trunk stays put
    trunk = tiny_policy_file(tmp_path / "trunk.npz", 9)
    _run(["recipe", "--board-size", "9", "--sgf-dir", str(tmp_path / "sgf"), "--work", str(tmp_path / "w"),
          "--stages", "data,value", "--value-config", f"{first},{second}", "--trunk", str(trunk), "--quiet"])
    out = capsys.readouterr().out
    assert '"value-2"' in out and "warm start from" in out and "trunk/conv_0" in out
    a = flatten_tree(load_value_weights(tmp_path / "w" / "value" / "value_best.npz")[1]["params"])
    b = flatten_tree(load_value_weights(tmp_path / "w" / "value-2" / "value.npz")[1]["params"])
    trunk_keys = [k for k in a if k.startswith("trunk/")]
    assert trunk_keys and all(np.array_equal(a[k], b[k]) for k in trunk_keys)
    assert b["conv_0/kernel"].shape[-1] == 6 and a["conv_0/kernel"].shape[-1] == 4

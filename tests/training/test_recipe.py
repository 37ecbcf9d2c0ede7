"""``go-engine train recipe``: shards then the value net on them in one command; a rerun
reuses the shards and resumes the trainer instead of starting over."""
from __future__ import annotations

import argparse
import json

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

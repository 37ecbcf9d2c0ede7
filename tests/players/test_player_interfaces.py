"""The declared player interfaces: typed options from text to the search's config, and which
players are ``SearchPlayer``s (what GTP's analysis and cleanup commands may call)."""
from __future__ import annotations

import pytest

from go_engine.players.options import check_option, parse_option, parse_options
from go_engine.players.protocol import SearchPlayer
from go_engine.players.registry import DEFAULT_PLAYER, PlayerOptions, make_player


def test_text_becomes_the_declared_type_once():
    parsed = parse_options(["mix_lambda=0", "c_puct=1.5", "resign=off", "threads=1", "playout=nakade",
                            "temperature=0.5"])
    assert parsed == {"mix_lambda": 0.0, "c_puct": 1.5, "resign": False, "threads": 1,
                      "playout": "nakade", "temperature": 0.5}
    assert [type(parsed[k]) for k in ("mix_lambda", "resign", "threads")] == [float, bool, int]
    assert parse_option("playouts", "none", int | None) is None


@pytest.mark.parametrize("item,message", [
    ("mix_lambda=half", "bad value 'half' for option 'mix_lambda'"),
    ("resign=maybe", "bad value 'maybe' for option 'resign'"),
    ("batch_size=1.5", "bad value '1.5' for option 'batch_size'"),
    ("no_such_knob=1", "unknown player option 'no_such_knob'"),
    ("novalue", "KEY=VALUE"),
])
def test_bad_option_text_is_refused_with_its_name(item, message):
    with pytest.raises(ValueError, match=message):
        parse_options([item])


def test_values_in_code_are_checked_against_the_same_types():
    assert check_option("c_puct", 2, float) == 2.0 and type(check_option("c_puct", 2, float)) is float
    with pytest.raises(TypeError, match="'mix_lambda' wants float"):
        check_option("mix_lambda", "0.5", float)
    with pytest.raises(TypeError, match="'batch_size' wants int"):
        check_option("batch_size", True, int)
    with pytest.raises(TypeError, match="'resign'"):
        make_player("mcts", PlayerOptions(extra={"resign": "false"}))


def test_mcts_player_takes_typed_options_into_its_configs():
    player = make_player("mcts", PlayerOptions(seed=3, threads=1, extra={"c_puct": 2, "resign": False,
                                                                          "playout": "heuristic"}))
    assert player.mcts.config.c_puct == 2.0 and player.mcts.config.threads == 1
    assert player.config.resign is False and player.mcts.rollout.kind == "heuristic"


def test_search_players_are_declared_as_such():
    assert isinstance(make_player("mcts", PlayerOptions(threads=1)), SearchPlayer)
    from go_engine.players.alphago import AlphaGoPlayer
    assert isinstance(AlphaGoPlayer(), SearchPlayer)  # before any size is chosen, too
    assert not isinstance(make_player("random"), SearchPlayer)
    assert DEFAULT_PLAYER == "alphago"


def test_engine_config_default_player_is_the_cli_default():
    from go_engine.gtp.cli import config_from_args
    from go_engine.gtp.engine import EngineConfig
    from go_engine_cli import build_parser
    assert EngineConfig().player == config_from_args(build_parser().parse_args(["gtp"])).player == DEFAULT_PLAYER

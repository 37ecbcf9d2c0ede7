"""The engine's own judgement behind ``final_status_list`` / ``final_score``
(``go_engine.players.ownership``), the player registry ``gtp`` builds players from, and the CLI options."""
from __future__ import annotations

import numpy as np
import pytest

from go_engine.players.ownership import estimate_ownership, final_status, score_without_dead
from go_engine.players.registry import PlayerOptions, make_player, player_names
from go_engine.rules.position import Position
from go_engine_cli import build_parser
from go_engine.gtp.cli import config_from_args

DEAD_INSIDE = """
. . . . . . . . .
. . . . . . . . .
. . X X X . . . .
. X . O . X . . .
. . X X X . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
"""

SEKI_4X4 = """
X X O O
X . . O
X X O O
. X O .
"""

SETTLED_5X5 = """
. X O O .
X X O O O
. X O O .
X X O O O
. X O O .
"""


def test_ownership_shares_are_probabilities_and_reproducible():
    pos = Position.from_ascii(DEAD_INSIDE)
    a = estimate_ownership(pos, 64, seed=3)
    b = estimate_ownership(pos, 64, seed=3)
    assert np.array_equal(a.black, b.black) and np.array_equal(a.white, b.white)
    assert a.black.shape == (81,) and np.all(a.black + a.white <= 1.0 + 1e-12)
    assert np.all(a.black >= 0) and np.all(a.white >= 0)
    pos.check_consistency()  # the playouts ran on copies


def test_settled_board_is_owned_outright():
    pos = Position.from_ascii(SETTLED_5X5)
    own = estimate_ownership(pos, 50)
    # both sides have three eyes and no other empty point: no playout can change anything
    assert own.black[0] == 1.0 and own.white[4] == 1.0
    status = final_status(pos, ownership=own)
    assert set(status.values()) == {"alive"}


def test_dead_stone_and_score_without_it():
    pos = Position.from_ascii(DEAD_INSIDE)
    status = final_status(pos, playouts=200)
    d6 = 3 * 9 + 3
    assert status[d6] == "dead"
    assert all(s == "alive" for p, s in status.items() if p != d6)
    assert score_without_dead(pos, 0.0, [d6]) == 81.0  # every point is black's once D6 is off


def test_seki_is_recognised_and_scores_as_dame():
    pos = Position.from_ascii(SEKI_4X4)
    status = final_status(pos, playouts=200)
    assert set(status.values()) == {"seki"}
    assert score_without_dead(pos, 0.5, []) == -0.5


def test_ownership_rejects_zero_playouts():
    with pytest.raises(ValueError):
        estimate_ownership(Position(5), 0)


def test_player_registry():
    assert {"random", "mcts"} <= set(player_names())
    player = make_player("random", PlayerOptions(seed=4))
    assert player.name == "random"
    with pytest.raises(ValueError, match="unknown player 'nobody'"):
        make_player("nobody")


def test_gtp_cli_options_reach_the_engine_config():
    args = build_parser().parse_args(["gtp", "--player", "random", "--size", "13", "--komi", "6.5",
                                      "--seed", "9", "--playouts", "100", "--time", "2.5",
                                      "--option", "resign=false", "--option", "mix_lambda=0"])
    config = config_from_args(args)
    assert (config.size, config.komi, config.player) == (13, 6.5, "random")
    opts = config.player_options
    assert (opts.seed, opts.playouts, opts.seconds) == (9, 100, 2.5)
    assert dict(opts.extra) == {"resign": False, "mix_lambda": 0.0}  # typed from the parser on
    assert type(opts.extra["mix_lambda"]) is float
    for bad in (["--size", "30"], ["--komi", "nan"], ["--option", "novalue"], ["--option", "c_puct=high"],
                ["--option", "no_such_knob=1"], ["--option", "resign=maybe"]):
        with pytest.raises(SystemExit):
            config_from_args(build_parser().parse_args(["gtp", *bad]))
    with pytest.raises(SystemExit):
        build_parser().parse_args(["gtp", "--player", "nobody"])


def test_a_real_19x19_end_position_is_judged_right():
    """The end of a real game against GNU Go level 10 (tests/fixtures/sgf/bulky_five_kill_19.sgf).
    The white group of the top right shares its only two liberties (S17, T16) with the four
    black stones inside it, which looks like a seki. But Black kills by playing S17: White
    captures five stones, and the space they leave is a bulky five whose vital point, T18,
    is Black's next move. GNU Go's owl reading agrees (``owl_attack R19`` answers ``1 S17``).
    E13 is a dead black stone. Counted right it is B+13.5. Random playouts called the white
    group seki (B+10.5); the nakade playouts behind the judgement now see the kill."""
    from pathlib import Path

    from go_engine.gtp.engine import EngineConfig, GtpEngine
    sgf = Path(__file__).resolve().parents[1] / "fixtures" / "sgf" / "bulky_five_kill_19.sgf"
    engine = GtpEngine(EngineConfig(player="random"))
    assert engine.handle_line(f"loadsgf {sgf}").startswith("=")
    dead = engine.handle_line("final_status_list dead").split()
    assert "E13" in dead and "F19" in dead and "R19" in dead and "T19" not in dead
    assert engine.handle_line("final_score") == "= B+13.5\n\n"

"""MCTSPlayer in games: legal moves only, no own-eye filling, sensible passing, resignation,
cleanup; and the time manager."""
from __future__ import annotations

import pytest

from go_engine.rules import board_kernels as bk
from go_engine.rules.coords import vertex_to_point
from go_engine.rules.game import Game
from go_engine.players.mcts import MCTSPlayer, PlayerConfig
from go_engine.players.protocol import RESIGN, TimeBudget
from go_engine.rules.position import BLACK, WHITE, Position
from go_engine.search.mcts import SearchConfig
from go_engine.players.time_control import TimeManager

from tests.ascii_boards import LAST_DAME

NO_CLOCK = TimeBudget()


def game_from_ascii(text: str, to_play: int = BLACK, komi: float = 0.0) -> Game:
    pos = Position.from_ascii(text, to_play=to_play)
    game = Game(pos.n, komi)
    game.position = pos
    return game


def self_play(n: int, playouts: int, seed: int, max_moves: int) -> int:
    """One self-play game; asserts every move is legal and fills no own eye. Returns moves."""
    players = {c: MCTSPlayer(SearchConfig(threads=1, batch_size=8, seed=seed * 2 + c, max_tree_mb=8),
                             PlayerConfig(playouts=playouts, resign=False)) for c in (BLACK, WHITE)}
    game = Game(n, 0.5 if n <= 5 else 6.5)
    w = n + 2
    for _ in range(max_moves):
        if game.is_over:
            break
        c = game.to_play
        point = players[c].genmove(game, c, NO_CLOCK)
        assert point != RESIGN
        if point != n * n:
            assert game.position.is_legal(point, c), f"illegal {point}\n{game.position}"
            loc = int(game.position.p2l[point])
            assert not bk.is_eye(game.position.color, w, loc, c), f"fills own eye {point}\n{game.position}"
        game.play(point, c)
    return len(game.moves)


@pytest.mark.parametrize("seed", range(6))
def test_self_play_is_legal_and_never_fills_own_eyes(seed):
    moves = self_play(5, 48, seed, 120)
    assert moves >= 6


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(200))
def test_self_play_200_games(seed):
    n = 5 if seed % 2 else 7
    self_play(n, 64, 1000 + seed, 4 * n * n)


def test_takes_the_last_dame_then_passes_after_the_opponent_passes():
    game = game_from_ascii(LAST_DAME, BLACK, komi=0.5)
    player = MCTSPlayer(SearchConfig(threads=1, seed=2, max_tree_mb=16), PlayerConfig(playouts=2000))
    point = player.genmove(game, BLACK, NO_CLOCK)
    assert point == vertex_to_point("C3", 5)
    game.play(point)
    game.play(25)  # white passes
    assert player.genmove(game, BLACK, NO_CLOCK) == 25
    game.play(25)
    assert game.is_over and game.score() > 0


def test_does_not_pass_away_a_won_game():
    # white passed, but as the board stands black loses (the dame is open): black must play
    game = game_from_ascii(LAST_DAME, WHITE, komi=0.5)
    game.play(25)
    player = MCTSPlayer(SearchConfig(threads=1, seed=3, max_tree_mb=16), PlayerConfig(playouts=2000))
    assert player.genmove(game, BLACK, NO_CLOCK) == vertex_to_point("C3", 5)


DEAD_WHITE_STONE = """
. . X O .
. . X O .
. O X O .
. . X O .
. . X O .
"""


def test_cleanup_captures_dead_stones_before_passing():
    # white's B3 stone is dead inside black's area; the plain rules count it as white's
    game = game_from_ascii(DEAD_WHITE_STONE, BLACK, komi=-3.5)
    player = MCTSPlayer(SearchConfig(threads=1, seed=4, max_tree_mb=16), PlayerConfig(playouts=1500))
    stone = vertex_to_point("B3", 5)
    for _ in range(6):
        if stone not in game.position.stones(WHITE):
            break
        point = player.genmove_cleanup(game, BLACK, NO_CLOCK)
        assert point != 25, "passed while a dead stone remains"
        game.play(point)
        game.play(25)
    assert stone not in game.position.stones(WHITE)


def test_cleanup_resumes_a_game_that_two_passes_ended():
    # a match controller disputing the dead stones sends kgs-genmove_cleanup after the passes
    game = game_from_ascii(DEAD_WHITE_STONE, BLACK, komi=-3.5)
    game.play(25)
    game.play(25)
    assert game.is_over
    player = MCTSPlayer(SearchConfig(threads=1, seed=5, max_tree_mb=16), PlayerConfig(playouts=1500))
    assert player.genmove(game, BLACK, NO_CLOCK) == 25  # a plain genmove: the game is over
    point = player.genmove_cleanup(game, BLACK, NO_CLOCK)
    assert point != 25 and game.is_legal(point, BLACK)


def test_resigns_a_hopeless_game_and_not_when_disabled():
    hopeless = """
    . . . . .
    . O O O .
    . O . O .
    . O O O .
    . . . . .
    """
    for resign, expect_resign in ((True, True), (False, False)):
        game = game_from_ascii(hopeless, BLACK, komi=20.5)
        player = MCTSPlayer(SearchConfig(threads=1, max_tree_mb=16),
                            PlayerConfig(playouts=600, resign=resign, resign_moves=2, min_resign_visits=100))
        moves = []
        for _ in range(2):
            point = player.genmove(game, BLACK, NO_CLOCK)
            moves.append(point)
            if point == RESIGN:
                break
            game.play(point)
            game.play(25)
        assert (RESIGN in moves) == expect_resign


def test_genmove_for_the_side_not_to_move():
    game = Game(5, 0.5)
    player = MCTSPlayer(SearchConfig(threads=1, max_tree_mb=8), PlayerConfig(playouts=100))
    point = player.genmove(game, WHITE, NO_CLOCK)
    assert 0 <= point <= 25 and game.position.to_play == BLACK and not game.moves


def test_time_budget_is_respected():
    import time
    game = Game(9, 7.0)
    player = MCTSPlayer(SearchConfig(threads=1, max_tree_mb=64), PlayerConfig(stop_early=False))
    player.genmove(game, BLACK, TimeBudget(0.05))  # warm-up (compilation is cached)
    t0 = time.perf_counter()
    player.genmove(game, BLACK, TimeBudget(0.5))
    assert time.perf_counter() - t0 < 0.5 + 0.25


# --- time manager ---------------------------------------------------------------------------

def test_match_setting_five_seconds_a_move():
    tm = TimeManager()
    tm.time_settings(0, 5, 1)
    for ply in (0, 40, 80):
        b = tm.budget(BLACK, ply, 9)
        assert 3.5 < b < 5.0


def test_time_is_banked_only_where_the_clock_keeps_it():
    tm = TimeManager()
    assert tm.bankable(BLACK)                 # no limit: stopping early costs nothing
    tm.time_settings(0, 5, 1)                 # the match runner's clock: 5 s, reset every move
    assert not tm.bankable(BLACK)
    tm.record(BLACK, 2.0)
    assert not tm.bankable(BLACK)
    tm.time_settings(60, 0, 0)                # absolute time: what is saved is kept
    assert tm.bankable(WHITE)
    tm.time_settings(0, 30, 10)               # Canadian, 10 stones per period
    assert tm.bankable(WHITE)
    tm.time_left(WHITE, 3.0, 1)               # the period's last stone
    assert not tm.bankable(WHITE)
    tm.kgs_time_settings("byoyomi", 0, 5, 3)  # Japanese byo-yomi: an unused period is lost
    assert not tm.bankable(BLACK)
    tm.kgs_time_settings("byoyomi", 60, 5, 3)
    assert tm.bankable(BLACK)                 # still in main time


def test_no_time_limit():
    tm = TimeManager()
    assert tm.budget(BLACK, 0, 9) is None
    tm.time_settings(0, 10, 0)  # byo > 0, stones = 0: no limit (GTP spec)
    assert tm.budget(BLACK, 0, 9) is None


def test_absolute_time_never_runs_out_and_spends_more_early():
    tm = TimeManager()
    tm.time_settings(60, 0, 0)
    used = 0.0
    first = tm.budget(BLACK, 0, 9)
    late = None
    for ply in range(0, 400, 2):
        b = tm.budget(BLACK, ply, 9)
        assert b > 0
        if ply == 120:
            late = b
        tm.record(BLACK, b)
        used += b
    assert used < 60
    assert first > late


def test_canadian_byo_yomi_and_time_left():
    tm = TimeManager()
    tm.time_settings(10, 30, 10)
    assert tm.budget(WHITE, 10, 9) >= 0.9 * 3.0 * 0.9 - 0.4
    tm.time_left(WHITE, 6.0, 3)  # 6 s for 3 stones
    b = tm.budget(WHITE, 50, 9)
    assert 1.0 < b < 2.0
    tm.time_left(WHITE, 0.5, 1)
    assert tm.budget(WHITE, 52, 9) < 0.5


def test_kgs_time_settings():
    tm = TimeManager()
    tm.kgs_time_settings("byoyomi", 0, 5, 3)
    assert 3.5 < tm.budget(BLACK, 0, 9) < 5
    tm.kgs_time_settings("none")
    assert tm.budget(BLACK, 0, 9) is None
    with pytest.raises(ValueError):
        tm.kgs_time_settings("hourglass", 1, 1, 1)


def test_a_budget_that_cannot_be_banked_is_used_in_full():
    # C3 is the only move that matters: the search soon knows it cannot be overtaken and stops
    # early, unless the clock would throw the saved time away (byo-yomi of one move)
    searches = {}
    for use_all in (False, True):
        game = game_from_ascii(LAST_DAME, BLACK, komi=0.5)
        player = MCTSPlayer(SearchConfig(threads=1, seed=2, max_tree_mb=16), PlayerConfig())
        player.genmove(game, BLACK, TimeBudget(0.05))  # warm-up
        player.mcts.forget()
        player.genmove(game, BLACK, TimeBudget(1.0, use_all=use_all))
        searches[use_all] = player.last_result
    assert searches[False].stopped_early and searches[False].seconds < 0.9
    assert not searches[True].stopped_early and searches[True].seconds >= 0.9
